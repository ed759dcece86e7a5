"""Redis adapters: connections (standalone, Sentinel, Cluster), key naming and Lua scripts."""
