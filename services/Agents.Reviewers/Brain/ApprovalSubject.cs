using System.Text.Json;
using Agents.Contracts.Incidents;

namespace Agents.Reviewers.Brain;

/// <summary>Reads a deliberation's subject as a <see cref="RemediationApprovalSubject"/> (camelCase JSON), or says why it is not one.</summary>
public static class ApprovalSubject
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { RespectNullableAnnotations = true };

    /// <summary>The subject, or null and the reason it is not a usable approval subject.</summary>
    public static (RemediationApprovalSubject? Subject, string? Problem) Read(JsonElement subject)
    {
        if (subject.ValueKind != JsonValueKind.Object)
        {
            return (null, $"the subject is not a remediation approval: expected a JSON object, got {subject.ValueKind}");
        }

        RemediationApprovalSubject? read;
        try
        {
            read = subject.Deserialize<RemediationApprovalSubject>(Json);
        }
        catch (JsonException e)
        {
            return (null, $"the subject is not a remediation approval: {e.Message}");
        }

        if (read is null)
        {
            return (null, "the subject is not a remediation approval: it is null");
        }

        return string.IsNullOrWhiteSpace(read.Service)
            ? (null, "the subject is not a remediation approval: service empty")
            : (read, null);
    }
}
