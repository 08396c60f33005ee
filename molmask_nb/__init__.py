__version__ = "0.1.0"

# The only hand-written file of the package (nbdev keeps the version line in step): package-level access to the
# component registries, imported on first use so that `import molmask_nb` stays light.
_LAZY = {'get_masking': 'masking', 'MASKINGS': 'masking', 'get_target': 'targets', 'TARGETS': 'targets',
         'get_encoder': 'encoders', 'ENCODERS': 'encoders'}

def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f'{__name__}.{_LAZY[name]}'), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def __dir__(): return sorted(list(globals()) + list(_LAZY))
