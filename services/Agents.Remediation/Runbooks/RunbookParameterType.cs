namespace Agents.Remediation.Runbooks;

/// <summary>What a runbook parameter holds, and so how the executor checks it.</summary>
public enum RunbookParameterType
{
    /// <summary>A service name: must be the incident's service.</summary>
    Service,

    /// <summary>A version: must appear among the service's recent deploys.</summary>
    Version,

    /// <summary>A whole number, within the parameter's min and max when given.</summary>
    Integer,

    /// <summary>Free text.</summary>
    String,
}
