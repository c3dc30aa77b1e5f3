using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Agents.Hosting.Audit;

/// <summary>One row of the audit trail.</summary>
public sealed record AuditEntry
{
    public long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary><c>apikey:&lt;name&gt;</c>, <c>oidc:&lt;user&gt;</c> or <c>anonymous</c>.</summary>
    public required string Actor { get; init; }

    /// <summary>The identity's roles, comma-separated (empty for anonymous).</summary>
    public required string Roles { get; init; }

    /// <summary>api-key, oidc, none (no or a bad credential) or disabled (Auth__Disabled in Development).</summary>
    public required string AuthMethod { get; init; }

    /// <summary>e.g. <c>incident.rerun</c>, <c>dead-letter.purge</c>, or <c>GET /incidents</c> for a refused read.</summary>
    public required string Action { get; init; }

    /// <summary>What it was done to: the route's values, e.g. <c>id=…</c> or <c>queue=triage</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The request's trace id (its trace in Jaeger).</summary>
    public required string RequestId { get; init; }

    public required string ClientAddress { get; init; }

    /// <summary>succeeded, refused (4xx, including unauthenticated and forbidden) or failed (5xx).</summary>
    public required string Outcome { get; init; }

    public required int StatusCode { get; init; }

    public string? Detail { get; init; }

    /// <summary>The hash of the row before (64 zeros for the first).</summary>
    public string PrevHash { get; init; } = "";

    /// <summary>SHA-256 (hex) of <see cref="PrevHash"/> and this row's fields.</summary>
    public string Hash { get; init; } = "";
}

/// <summary>How a row of the chain fails its check (<see cref="AuditChain.Check"/>).</summary>
public enum AuditBreak
{
    /// <summary>The row is sound: it follows the row before it and its fields give its hash.</summary>
    None,

    /// <summary>Its previous hash is not the hash of the row before it: a row was removed or re-chained.</summary>
    Unchained,

    /// <summary>Its fields no longer give its hash: it was changed after it was written.</summary>
    Edited,
}

/// <summary>
/// The audit trail's hash chain (<c>audit_log</c>): how a row's hash is taken and how a row is read, shared by the API
/// (which appends and verifies) and the orchestrator's retention sweep (which verifies the rows it is about to cut).
/// </summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first row ever written.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Columns =
        "id, at, actor, roles, auth_method, action, target, request_id, client_address, outcome, status_code, detail, prev_hash, hash";

    /// <summary>Checks <paramref name="row"/> against the hash the row before it had (or a checkpoint kept).</summary>
    public static AuditBreak Check(AuditEntry row, string previousHash) =>
        row.PrevHash != previousHash ? AuditBreak.Unchained : HashOf(row) != row.Hash ? AuditBreak.Edited : AuditBreak.None;

    /// <summary>SHA-256 (hex) of a versioned JSON array of the previous hash and every field but the id.</summary>
    public static string HashOf(AuditEntry row)
    {
        var fields = new object?[]
        {
            "agents-audit-v1", row.PrevHash, row.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            row.Actor, row.Roles, row.AuthMethod, row.Action, row.Target, row.RequestId, row.ClientAddress, row.Outcome,
            row.StatusCode, row.Detail,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields))));
    }

    /// <summary>The row at the reader, selected with <see cref="Columns"/> first.</summary>
    public static AuditEntry Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        At = new DateTimeOffset(r.GetDateTime(1).ToUniversalTime(), TimeSpan.Zero),
        Actor = r.GetString(2),
        Roles = r.GetString(3),
        AuthMethod = r.GetString(4),
        Action = r.GetString(5),
        Target = r.GetString(6),
        RequestId = r.GetString(7),
        ClientAddress = r.GetString(8),
        Outcome = r.GetString(9),
        StatusCode = r.GetInt32(10),
        Detail = r.IsDBNull(11) ? null : r.GetString(11),
        PrevHash = r.GetString(12),
        Hash = r.GetString(13),
    };
}
