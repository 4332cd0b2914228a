"""Reading the papers (智能审核): OCR of uploaded documents, cross-checked against the registry."""
