namespace Agents.Remediation.Runbooks;

/// <summary>One declared parameter of a runbook action.</summary>
public sealed record RunbookParameter(string Name, RunbookParameterType Type, bool Required, long? Min, long? Max);
