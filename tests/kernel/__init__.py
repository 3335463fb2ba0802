"""Tests of ``naramarket.kernel``, one module per kernel module."""
