"""Engines that run the pipeline over many articles: a local process pool and a dask
cluster."""
