"""Training methods, one package per method: `<name>/__init__.py` declares its settings and `SPEC` without torch,
`<name>/method.py` holds the implementation, registered with `register_method`. The registry finds the packages
itself (see `registry.py`); what a method can do besides training is in `capabilities.py`.

This package's `__init__` stays free of torch so that the window can list methods before torch is loaded.
"""

from workbench.methods.registry import (
    MethodSpec,
    available_methods,
    build_method,
    load_run_config,
    load_run_config_toml,
    method_class,
    method_settings_class,
    method_spec,
    register_method,
)

__all__ = [
    "MethodSpec",
    "available_methods",
    "build_method",
    "load_run_config",
    "load_run_config_toml",
    "method_class",
    "method_settings_class",
    "method_spec",
    "register_method",
]
