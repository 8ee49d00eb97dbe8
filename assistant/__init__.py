"""policy-assistant: cited answers from industrial-internet support policies."""
