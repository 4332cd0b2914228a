"""The document reader, free of Django: OCR (RapidOCR, PP-OCRv4 models shipped in its wheel),
field extraction per kind of paper, validators (check digits, Luhn, expiry, consistency) and the
image checks done before an upload is accepted (size, blur, cut-off, perceptual hash).

Everything here takes plain values (bytes, dicts, dates) and returns plain values, so the
benchmark and the unit tests use it without a database."""
