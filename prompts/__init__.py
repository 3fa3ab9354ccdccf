"""Prompts and reply templates as constants with named placeholders."""

from prompts.replies import TEMPLATES
from prompts.system import REPLY_PROMPT, SYSTEM_PROMPT, UNDERSTANDING_PROMPT

__all__ = ["REPLY_PROMPT", "SYSTEM_PROMPT", "TEMPLATES", "UNDERSTANDING_PROMPT"]
