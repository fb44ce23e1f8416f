"""The answer stage: strategies that each turn a query plan and the retrieved chunks into a cited
`Answer`, or decline with None so the service tries the next one (DESIGN.md "Answerer")."""
