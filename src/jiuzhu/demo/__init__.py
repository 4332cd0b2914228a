"""Demo and synthetic data, kept out of the production apps.

- ``synth``: the synthetic county (registry export) behind ``jiuzhu synth`` and ``jiuzhu demo``;
- ``synth_feeds``, ``synth_duplicates``, ``synth_decoys``: department feeds with their truth;
- ``funds_synthetic``: payment accounts, return files and planted cases; ``policy_frames``: random
  registry frames in memory;
- ``accounts``, ``funds``, ``monitoring``: the demo logins and demo data of ``jiuzhu demo``.
"""
