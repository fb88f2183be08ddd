"""The bundled example centre's data files, installed as the package ``wfm.example_data``.

See ``README.md`` in this folder; ``wfm.pipeline.example_dir()`` locates it.
"""
