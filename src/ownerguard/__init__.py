"""OwnerGuard (业主信息卫士): owners' personal data behind one audited gate."""

__version__ = "0.1.0"
