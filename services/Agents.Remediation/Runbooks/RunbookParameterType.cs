namespace Agents.Remediation.Runbooks;

/// <summary>What a runbook parameter holds, and so how the executor checks it.</summary>
public enum RunbookParameterType
{
    /// <summary>A service name: a Kubernetes DNS-1123 label, and the incident's service.</summary>
    Service,

    /// <summary>A version without whitespace or shell characters, among the service's recent deploys.</summary>
    Version,

    /// <summary>A whole number, within the parameter's min and max when given.</summary>
    Integer,

    /// <summary>Free text: letters, digits and <c>. _ : / -</c>, at most 128.</summary>
    String,
}
