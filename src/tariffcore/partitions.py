"""Billing a partitioned dataset on a Dask cluster; kept at this path for existing code.

The implementation lives in :mod:`tariffcore.batch.partitions`.
"""

from .batch import PartitionResult, bill_dataset, bill_partition

__all__ = ["PartitionResult", "bill_dataset", "bill_partition"]
