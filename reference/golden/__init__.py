"""Frozen reference outputs, recorded from the live frameworks.

Each ``*_cases.json`` here is written by its ``*_record`` module
(``python -m reference.golden.<name>_record``) so that the checks can run on
machines without torch or TensorFlow; a drift test regenerates the cases
live, where the framework is installed, and compares them with the file.
"""
