using Agents.Api.Audit;
using Agents.Hosting.Audit;

namespace Agents.Orchestrator.Tests.Api;

public sealed class AuditHashTests
{
    private static readonly AuditEntry Row = new()
    {
        At = new DateTimeOffset(2026, 12, 6, 22, 41, 51, TimeSpan.Zero).AddTicks(2227540),
        Actor = "apikey:deploy-bot", Roles = "operator", AuthMethod = "api-key", Action = "incident.rerun",
        Target = "id=5d1f7a8e-0000-4000-8000-000000000001", RequestId = "975b7b26b0abe8294d65dbe928878dba", ClientAddress = "10.0.0.7",
        Outcome = "succeeded", StatusCode = 202, Detail = "fromStep=triage", PrevHash = AuditChain.Genesis,
    };

    [Fact]
    public void The_hash_is_the_same_for_the_same_row_and_a_SHA256_in_hex() =>
        Assert.Matches("^[0-9a-f]{64}$", AuditChain.HashOf(Row) is var h && h == AuditChain.HashOf(Row with { }) ? h : "differs");

    public static TheoryData<string, AuditEntry> Edits() => new()
    {
        { "actor", Row with { Actor = "apikey:someone-else" } },
        { "roles", Row with { Roles = "admin" } },
        { "auth method", Row with { AuthMethod = "oidc" } },
        { "action", Row with { Action = "incident.rollback" } },
        { "target", Row with { Target = "id=other" } },
        { "request id", Row with { RequestId = "0" } },
        { "client", Row with { ClientAddress = "10.0.0.8" } },
        { "outcome", Row with { Outcome = "refused" } },
        { "status", Row with { StatusCode = 409 } },
        { "detail", Row with { Detail = null } },
        { "time", Row with { At = Row.At.AddTicks(10) } },
        { "previous hash", Row with { PrevHash = new string('1', 64) } },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Changing_any_field_changes_the_hash(string field, AuditEntry edited) =>
        Assert.True(AuditChain.HashOf(edited) != AuditChain.HashOf(Row), $"the hash does not cover the {field}");

    [Fact]
    public void Fields_cannot_be_shifted_into_each_other()
    {
        var shifted = Row with { Actor = "apikey:deploy-bot\",\"operator", Roles = "" };
        Assert.NotEqual(AuditChain.HashOf(Row), AuditChain.HashOf(shifted));
    }
}
