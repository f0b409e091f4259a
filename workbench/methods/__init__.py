"""Training methods. Each lives in its own module and registers itself with `register_method`.

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
