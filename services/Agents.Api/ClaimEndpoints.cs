using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Api.Audit;
using Agents.Api.Security;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Api;

/// <summary>
/// Claims and deliberations over HTTP: <c>POST /claims</c> starts a claim's adjudication (the same checks and the same
/// deliberation as a claim published to the <c>claims</c> exchange), <c>GET /claims/{claimId}</c> shows its decision,
/// rounds and every stance, <c>GET /claims?status=Escalated</c> the claims a human must decide, <c>GET /deliberations</c>
/// and <c>GET /deliberations/{id}</c> any deliberation (an incident's approval, too).
/// </summary>
public static class ClaimEndpoints
{
    public static WebApplication MapClaimEndpoints(this WebApplication app)
    {
        app.MapPost("/claims", SubmitClaim).RequireRole(ApiRoles.Operator).Audited("claim.submit")
            .Accepts<JsonElement>("application/json").Produces<ClaimAccepted>(StatusCodes.Status202Accepted);
        app.MapGet("/claims", ListClaims).RequireRole(ApiRoles.Viewer);
        app.MapGet("/claims/{claimId}", GetClaim).RequireRole(ApiRoles.Viewer);
        app.MapGet("/deliberations", ListDeliberations).RequireRole(ApiRoles.Viewer);
        app.MapGet("/deliberations/{id:guid}", GetDeliberation).RequireRole(ApiRoles.Viewer);
        return app;
    }

    /// <summary>
    /// <paramref name="subject"/> as <paramref name="http"/>'s caller may see it: whole for a claims reviewer (and the read
    /// is audited with the claim's id), else with <see cref="PersonalData.Fields"/> replaced by <see cref="PersonalData.Redacted"/>.
    /// </summary>
    internal static JsonElement Visible(JsonElement subject, HttpContext http)
    {
        if (!PersonalData.Holds(subject))
        {
            return subject;
        }

        if (!http.User.IsInRole(ApiRoles.ClaimsReviewer))
        {
            return PersonalData.Redact(subject);
        }

        AuditMiddleware.Mark(http, "claim.read-personal-data");
        var read = subject.ValueKind == JsonValueKind.Object && subject.TryGetProperty("claimId", out var id) ? id.ToString() : "?";
        if (http.Items[ReadClaims] is not List<string> ids)
        {
            http.Items[ReadClaims] = ids = [];
        }

        ids.Add(read);
        AuditMiddleware.Describe(http, $"claims: {string.Join(" ", ids)}");
        return subject;
    }

    private const string ReadClaims = "agents.claims.read";

    /// <summary>What <c>POST /claims</c> answers (202): where to follow the claim.</summary>
    public sealed record ClaimAccepted(string ClaimId, Guid DeliberationId, string Location);

    /// <summary>One claim in <c>GET /claims</c>.</summary>
    public sealed record ClaimSummary(
        string ClaimId, Guid DeliberationId, string Status, string? Decision, double? Confidence, int Round, string? Reason,
        string Summary, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    /// <summary>A claim's adjudication as <c>GET /claims/{claimId}</c> shows it.</summary>
    public sealed record ClaimView
    {
        public required string ClaimId { get; init; }

        public required Guid DeliberationId { get; init; }

        /// <summary>Deliberating, Decided, Escalated (no consensus after the last round: a human decides) or Refused.</summary>
        public required string Status { get; init; }

        /// <summary><c>pay</c> or <c>deny</c> once decided.</summary>
        public string? Decision { get; init; }

        public double? Confidence { get; init; }

        /// <summary>The round in progress, or the one it ended in.</summary>
        public required int Round { get; init; }

        public string? Reason { get; init; }

        public required JsonElement Claim { get; init; }

        public required IReadOnlyList<string> Participants { get; init; }

        public required int Threshold { get; init; }

        public required int MaxRounds { get; init; }

        /// <summary>Every finished round with each participant's stance (silent ones included), oldest first.</summary>
        public required IReadOnlyList<DeliberationRound> Rounds { get; init; }

        /// <summary>The stances of the round in progress received so far.</summary>
        public required IReadOnlyList<Stance> CurrentStances { get; init; }

        public required IReadOnlyList<IgnoredStance> Ignored { get; init; }

        public required TokenUsage Tokens { get; init; }

        public required DateTimeOffset CreatedAt { get; init; }

        public required DateTimeOffset UpdatedAt { get; init; }
    }

    private static async Task<IResult> SubmitClaim(HttpRequest request, IPublishEndpoint publish, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            // JSON only: a form post from a browser cannot submit a claim.
            return Results.Problem(statusCode: 415, title: "JSON only", detail: "Send the claim as application/json.");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException exception)
        {
            return Results.Problem(statusCode: 400, title: "Not JSON", detail: $"The body is not JSON: {exception.Message}");
        }

        if (ClaimReader.TryRead(body, out var error) is not { } claim)
        {
            return Results.Problem(statusCode: 400, title: "Claim refused", detail: error);
        }

        AuditMiddleware.Describe(request.HttpContext, $"claimId={claim.ClaimId}");
        var start = ClaimReader.Adjudicate(claim);
        await publish.Publish(start, ct);
        var location = $"/claims/{Uri.EscapeDataString(claim.ClaimId)}";
        return Results.Accepted(location, new ClaimAccepted(claim.ClaimId, start.DeliberationId, location));
    }

    private static async Task<IResult> GetClaim(
        string claimId, HttpContext http, IRequestClient<GetDeliberation> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        var deliberationId = ClaimAdjudication.DeliberationId(claimId);
        return await Deliberation(client, deliberationId, options, ct) switch
        {
            { Found: { Kind: ClaimAdjudication.Kind } found } => Results.Ok(View(claimId, found, http)),
            { Found: not null } or { Missing: true } => Results.Problem(statusCode: 404, title: "No such claim",
                detail: $"No claim '{claimId}'. A claim that could not be read is refused at intake: see GET /dead-letters/{AgentQueues.ClaimIntake}."),
            _ => IncidentEndpoints.OrchestratorUnavailable(),
        };
    }

    private static async Task<IResult> GetDeliberation(
        Guid id, HttpContext http, IRequestClient<GetDeliberation> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        await Deliberation(client, id, options, ct) switch
        {
            { Found: { } found } => Results.Ok(found with { Subject = Visible(found.Subject, http) }),
            { Missing: true } => Results.Problem(statusCode: 404, title: "No such deliberation", detail: $"No deliberation {id}."),
            _ => IncidentEndpoints.OrchestratorUnavailable(),
        };

    private static async Task<IResult> ListClaims(
        string? status, int? limit, IRequestClient<ListDeliberations> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        ListArguments.Refusal(status, DeliberationStatuses.All, limit)
        ?? (await List(client, ClaimAdjudication.Kind, status, limit, options, ct) is { } items
            ? Results.Ok(items.Select(d => new ClaimSummary(
                d.Subject.TryGetProperty("claimId", out var id) ? id.GetString() ?? "" : "", d.DeliberationId, d.Status, d.Decision,
                d.Confidence, d.Round, d.Reason, d.Summary, d.CreatedAt, d.UpdatedAt)))
            : IncidentEndpoints.OrchestratorUnavailable());

    private static async Task<IResult> ListDeliberations(
        string? kind, string? status, int? limit, HttpContext http, IRequestClient<ListDeliberations> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        ListArguments.Refusal(status, DeliberationStatuses.All, limit)
        ?? (await List(client, kind, status, limit, options, ct) is { } items
            ? Results.Ok(items.Select(d => d with { Subject = Visible(d.Subject, http) }).ToList())
            : IncidentEndpoints.OrchestratorUnavailable());

    /// <summary>The deliberations asked for, newest first, or null when the orchestrator did not answer in time.</summary>
    private static async Task<IReadOnlyList<DeliberationSummary>?> List(
        IRequestClient<ListDeliberations> client, string? kind, string? status, int? limit, IOptions<ApiOptions> options, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<DeliberationList>(
                new ListDeliberations { Kind = kind, Status = status, Limit = limit ?? 50 }, ct, options.Value.OrchestratorWait);
            return response.Message.Items;
        }
        catch (RequestTimeoutException)
        {
            return null;
        }
    }

    private sealed record Lookup(DeliberationDetails? Found, bool Missing);

    /// <summary>The deliberation, or missing, or neither when the orchestrator did not answer in time.</summary>
    private static async Task<Lookup> Deliberation(
        IRequestClient<GetDeliberation> client, Guid id, IOptions<ApiOptions> options, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<DeliberationDetails, DeliberationNotFound>(
                new GetDeliberation { DeliberationId = id },
                ct, options.Value.OrchestratorWait);
            return response.Is(out Response<DeliberationDetails>? found) ? new(found.Message, false) : new(null, true);
        }
        catch (RequestTimeoutException)
        {
            return new(null, false);
        }
    }

    private static ClaimView View(string claimId, DeliberationDetails d, HttpContext http) => new()
    {
        ClaimId = claimId,
        DeliberationId = d.DeliberationId,
        Status = d.Status,
        Decision = d.Decision,
        Confidence = d.Confidence,
        Round = d.Round,
        Reason = d.Reason,
        Claim = Visible(d.Subject, http),
        Participants = d.Participants,
        Threshold = d.Threshold,
        MaxRounds = d.MaxRounds,
        Rounds = d.Rounds,
        CurrentStances = d.CurrentStances,
        Ignored = d.Ignored,
        Tokens = d.Tokens,
        CreatedAt = d.CreatedAt,
        UpdatedAt = d.UpdatedAt,
    };
}
