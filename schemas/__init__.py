"""PageGold table schemas and the Label Studio labeling config, as data files.

This package holds no logic: ``curation.schema`` reads the YAML files here and turns them
into Arrow schemas and Hugging Face ``datasets.Features``. Edit a table here, nowhere else.
"""
