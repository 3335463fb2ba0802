"""Adapters present the kernel's tools on each surface: REST, SSE, MCP (HTTP and stdio).

Each adapter imports the kernel only, never another adapter or a plugin.
"""
