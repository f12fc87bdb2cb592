"""Eco² Ops: ``ecoeco.console`` (the operator console), ``ecoeco.services`` (the platform it operates)
and ``ecoeco.shared`` (the facts both read). The console and the platform never import each other."""
