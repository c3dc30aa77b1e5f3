using System.Reflection;
using Agents.Api.Audit;
using Agents.Api.OperatorConsole.Pages;
using Agents.Api.Security;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace Agents.Api.OperatorConsole;

/// <summary>
/// The operator console under <c>/ui/</c>: server-rendered pages over the same request clients, dead-letter code and
/// roles as the JSON API. Every page names its least role like an API endpoint; every action is audited under the
/// same action name as its API twin; every form carries an antiforgery token. Not part of the OpenAPI document.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>What a finished action tells on the page it returns to (codes, so that no link can put words on a page).</summary>
    private static readonly Dictionary<string, string> Notices = new()
    {
        ["approved"] = "Approved: the orchestrator took the decision.",
        ["denied"] = "Denied: the orchestrator took the decision.",
        ["rerun"] = "Re-run requested.",
        ["rollback"] = "Rolled back.",
        ["acknowledged"] = "Acknowledged.",
        ["resolved"] = "Resolved.",
        ["replayed"] = "Replayed.",
        ["purged"] = "Purged.",
        ["oidc"] = "Sign-in with the identity provider failed; try again.",
    };

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect($"{ConsoleSecurity.Prefix}/")).AllowAnonymous().ExcludeFromDescription();
        var open = app.MapGroup(ConsoleSecurity.Prefix).ExcludeFromDescription().AllowAnonymous();
        open.MapGet("/signin", SignInPage);
        open.MapPost("/signin", SignIn);
        open.MapGet("/signin/oidc", (string? returnUrl, HttpContext http) => ConsoleSecurity.OidcEnabled(http.RequestServices)
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOr(returnUrl) }, [ConsoleSecurity.OidcScheme])
            : Results.Redirect(ConsoleSecurity.SignInPath));
        open.MapGet("/assets/{name}", Asset);
        // Open to everyone signed in, whatever their roles (a person whose token carries none of ours lands here).
        open.MapGet("/forbidden", (HttpContext http) => Page<NoticePage>(http, new() { ["Title"] = "Not allowed",
            ["Text"] = "Your role does not allow that page or action." }, StatusCodes.Status403Forbidden));

        var ui = app.MapGroup(ConsoleSecurity.Prefix).ExcludeFromDescription().RequireAuthorization(ConsoleSecurity.BySession);
        ui.MapPost("/signout", SignOut).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/", Incidents).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/incidents/live", async (HttpContext http, LiveIncidents live, IRequestClient<ListIncidents> client, IHostApplicationLifetime lifetime) =>
        {
            // A stream ends when the browser goes or the API stops (it would otherwise hold the shutdown up).
            using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            await live.Stream(http, IncidentFilter.From(http.Request), client, ends.Token);
        }).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/incidents/{id:guid}", Incident).RequireRole(ApiRoles.Viewer);
        ui.MapPost("/incidents/{id:guid}/approval", Decide).RequireRole(ApiRoles.Operator).Audited("incident.approval");
        ui.MapPost("/incidents/{id:guid}/rerun", Rerun).RequireRole(ApiRoles.Operator).Audited("incident.rerun");
        ui.MapPost("/incidents/{id:guid}/rollback", Rollback).RequireRole(ApiRoles.Operator).Audited("incident.rollback");
        ui.MapPost("/incidents/{id:guid}/acknowledge", Acknowledge).RequireRole(ApiRoles.Operator).Audited("incident.acknowledge");
        ui.MapPost("/incidents/{id:guid}/resolve", Resolve).RequireRole(ApiRoles.Operator).Audited("incident.resolve");
        ui.MapGet("/dead-letters", DeadLetterQueues).RequireRole(ApiRoles.Viewer);
        ui.MapGet("/dead-letters/{queue}", DeadLetterQueue).RequireRole(ApiRoles.Admin);
        ui.MapPost("/dead-letters/{queue}/replay", Replay).RequireRole(ApiRoles.Admin).Audited("dead-letter.replay");
        ui.MapPost("/dead-letters/{queue}/purge", Purge).RequireRole(ApiRoles.Admin).Audited("dead-letter.purge");
        ui.MapConsoleInsight();
        return app;
    }

    private static IResult SignInPage(HttpContext http, string? returnUrl, string? failed) =>
        Page<SignInPage>(http, new()
        {
            ["ReturnUrl"] = LocalOr(returnUrl),
            ["Oidc"] = ConsoleSecurity.OidcEnabled(http.RequestServices),
        }, error: failed is not null && Notices.TryGetValue(failed, out var why) ? why : null);

    private static async Task<IResult> SignIn(HttpContext http, [FromForm] string? key, [FromForm] string? returnUrl)
    {
        var person = string.IsNullOrWhiteSpace(key) ? null : await ConsoleSecurity.FromApiKey(http, key.Trim());
        if (person is null)
        {
            return Page<SignInPage>(http, new()
            {
                ["ReturnUrl"] = LocalOr(returnUrl),
                ["Oidc"] = ConsoleSecurity.OidcEnabled(http.RequestServices),
            }, StatusCodes.Status401Unauthorized, error: "That is not an API key this API knows.");
        }

        await http.SignInAsync(ConsoleSecurity.CookieScheme, person);
        return Results.Redirect(LocalOr(returnUrl));
    }

    private static async Task<IResult> SignOut(HttpContext http, IAntiforgery antiforgery)
    {
        // No form field is bound here, so the token is checked by hand: another site must not sign people out.
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token");
        }

        await http.SignOutAsync(ConsoleSecurity.CookieScheme);
        return Results.Redirect(ConsoleSecurity.SignInPath);
    }

    private static async Task<IResult> Incidents(
        HttpContext http, LiveIncidents live, IRequestClient<ListIncidents> client, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var filter = IncidentFilter.From(http.Request);
        try
        {
            var response = await client.GetResponse<IncidentList>(filter.Request, ct, options.Value.OrchestratorWait);
            var rows = await live.Rows(http.RequestServices, filter.Apply(response.Message.Items, clock.GetUtcNow()));
            return Page<IncidentsPage>(http, new() { ["Filter"] = filter, ["Rows"] = rows });
        }
        catch (RequestTimeoutException)
        {
            return Unavailable(http);
        }
    }

    private static async Task<IResult> Incident(
        Guid id, string? done, HttpContext http, IRequestClient<GetIncident> client, IOptions<ApiOptions> options, CancellationToken ct) =>
        await IncidentPageOf(id, http, client, options, Notice(done), null, StatusCodes.Status200OK, ct);

    private static async Task<IResult> IncidentPageOf(
        Guid id, HttpContext http, IRequestClient<GetIncident> client, IOptions<ApiOptions> options, string? notice, string? error, int status,
        CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<IncidentDetails, IncidentNotFound>(new GetIncident { IncidentId = id }, ct, options.Value.OrchestratorWait);
            if (!response.Is(out Response<IncidentDetails>? found))
            {
                return Page<NoticePage>(http, new() { ["Title"] = "No such incident", ["Text"] = $"There is no incident {id}." }, StatusCodes.Status404NotFound);
            }

            var incident = found.Message with { TraceUrl = options.Value.TraceUrl(found.Message.TraceId) };
            var charts = await http.RequestServices.GetRequiredService<EvidenceCharts>().For(incident, ct);
            return Page<IncidentPage>(http, new() { ["Incident"] = incident, ["Charts"] = charts }, status, notice, error);
        }
        catch (RequestTimeoutException)
        {
            return Unavailable(http);
        }
    }

    /// <summary>Form fields of an approval: a plan parameter's value as approved, and as the plan had it.</summary>
    public const string ParameterPrefix = "param:";
    public const string OriginalPrefix = "original:";

    /// <summary>The parameters the approver changed (a field whose value differs from the plan's), or null when none.</summary>
    private static Dictionary<string, string>? Changes(IFormCollection form)
    {
        var changes = form.Keys.Where(k => k.StartsWith(ParameterPrefix, StringComparison.Ordinal))
            .Select(k => (Name: k[ParameterPrefix.Length..], Value: form[k].ToString().Trim(), Original: form[OriginalPrefix + k[ParameterPrefix.Length..]].ToString()))
            .Where(p => p.Value != p.Original)
            .ToDictionary(p => p.Name, p => p.Value);
        return changes.Count == 0 ? null : changes;
    }

    private static Task<IResult> Decide(
        Guid id, [FromForm] string? decision, [FromForm] string? note, [FromForm] string? requestHash,
        HttpContext http, IRequestClient<DecideApproval> client, IRequestClient<GetIncident> reader, IOptions<ApiOptions> options, CancellationToken ct)
    {
        decision = decision?.Trim().ToLowerInvariant();
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        var changes = decision == RemediationApproval.Approve ? Changes(http.Request.Form) : null;
        AuditMiddleware.Describe(http, (note is null ? $"decision={decision}" : $"decision={decision} note={note}")
            + (changes is null ? "" : $" parameters={string.Join(",", changes.Take(IncidentEndpoints.MaxApprovalParameters).Select(c => $"{c.Key}={c.Value}"))}")
            + " (console)");
        var refusal = decision is null || !IncidentEndpoints.ApprovalDecisions.Contains(decision) ? "Choose approve or deny."
            : decision == RemediationApproval.Deny && note is null ? "Say why you deny: the note is kept in the timeline and the audit trail."
            : note is { Length: > IncidentEndpoints.MaxNoteLength } ? $"A note may hold at most {IncidentEndpoints.MaxNoteLength} characters."
            : requestHash is { Length: > 128 } ? "The request hash is too long."
            : changes is not null && (changes.Count > IncidentEndpoints.MaxApprovalParameters
                || changes.Any(c => c.Key.Length > IncidentEndpoints.MaxParameterLength || c.Value.Length > IncidentEndpoints.MaxParameterLength))
                ? $"At most {IncidentEndpoints.MaxApprovalParameters} parameters, each name and value at most {IncidentEndpoints.MaxParameterLength} characters."
            : null;
        return Operate(http, id, refusal, client, new DecideApproval
        {
            IncidentId = id, Decision = decision!, Actor = ApiIdentity.Of(http.User).Actor, Note = note,
            RequestHash = string.IsNullOrWhiteSpace(requestHash) ? null : requestHash, Parameters = changes,
        }, decision == RemediationApproval.Approve ? "approved" : "denied", reader, options, ct);
    }

    private static Task<IResult> Rerun(
        Guid id, [FromForm] string? fromStep, [FromForm] string? confirm,
        HttpContext http, IRequestClient<RerunIncident> client, IRequestClient<GetIncident> reader, IOptions<ApiOptions> options, CancellationToken ct)
    {
        AuditMiddleware.Describe(http, $"fromStep={fromStep} (console)");
        var refusal = fromStep is null || !(IncidentSteps.Agents.Contains(fromStep) || IncidentSegments.IsPluginStepName(fromStep)) ? "Choose the step to re-run from."
            : confirm != "yes" ? "Tick the confirmation to re-run." : null;
        return Operate(http, id, refusal, client, new RerunIncident { IncidentId = id, FromStep = fromStep!, Actor = ApiIdentity.Of(http.User).Actor },
            "rerun", reader, options, ct);
    }

    private static Task<IResult> Rollback(
        Guid id, [FromForm] string? segment, [FromForm] string? confirm,
        HttpContext http, IRequestClient<RollbackSegment> client, IRequestClient<GetIncident> reader, IOptions<ApiOptions> options, CancellationToken ct)
    {
        AuditMiddleware.Describe(http, $"segment={segment} (console)");
        var refusal = segment is null || !(IncidentSegments.All.Contains(segment) || IncidentSegments.IsPluginStepName(segment)) ? "Choose the segment to roll back."
            : confirm != "yes" ? "Tick the confirmation to roll back." : null;
        return Operate(http, id, refusal, client, new RollbackSegment { IncidentId = id, Segment = segment!, Actor = ApiIdentity.Of(http.User).Actor },
            "rollback", reader, options, ct);
    }

    private static Task<IResult> Acknowledge(
        Guid id, [FromForm] string? note, HttpContext http, IRequestClient<AcknowledgeIncident> client, IRequestClient<GetIncident> reader,
        IOptions<ApiOptions> options, CancellationToken ct)
    {
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        AuditMiddleware.Describe(http, note is null ? "no note (console)" : $"note={note} (console)");
        var refusal = note is { Length: > IncidentEndpoints.MaxNoteLength } ? $"A note may hold at most {IncidentEndpoints.MaxNoteLength} characters." : null;
        return Operate(http, id, refusal, client, new AcknowledgeIncident { IncidentId = id, Actor = ApiIdentity.Of(http.User).Actor, Note = note },
            "acknowledged", reader, options, ct);
    }

    private static Task<IResult> Resolve(
        Guid id, [FromForm] string? note, HttpContext http, IRequestClient<ResolveIncident> client, IRequestClient<GetIncident> reader,
        IOptions<ApiOptions> options, CancellationToken ct)
    {
        note = note?.Trim();
        AuditMiddleware.Describe(http, $"note={note} (console)");
        var refusal = string.IsNullOrEmpty(note) ? "Say what was done: the note is kept in the timeline and the audit trail."
            : note.Length > IncidentEndpoints.MaxNoteLength ? $"A note may hold at most {IncidentEndpoints.MaxNoteLength} characters." : null;
        return Operate(http, id, refusal, client, new ResolveIncident { IncidentId = id, Actor = ApiIdentity.Of(http.User).Actor, Note = note! },
            "resolved", reader, options, ct);
    }

    /// <summary>
    /// Sends an operator command to the orchestrator (as the API's endpoints do) and goes back to the incident: with a
    /// notice when it was accepted, or the page again with why not (400 for a form the console refuses, 409 refused).
    /// </summary>
    private static async Task<IResult> Operate<T>(
        HttpContext http, Guid id, string? refusal, IRequestClient<T> client, T command, string done,
        IRequestClient<GetIncident> reader, IOptions<ApiOptions> options, CancellationToken ct)
        where T : class
    {
        if (refusal is not null)
        {
            return await IncidentPageOf(id, http, reader, options, null, refusal, StatusCodes.Status400BadRequest, ct);
        }

        try
        {
            var response = await client.GetResponse<OperatorCommandAccepted, OperatorCommandRefused, IncidentNotFound>(command, ct, options.Value.OrchestratorWait);
            if (response.Is(out Response<OperatorCommandAccepted>? _))
            {
                return Results.Redirect($"{ConsoleSecurity.Prefix}/incidents/{id}?done={done}");
            }

            var reason = response.Is(out Response<OperatorCommandRefused>? refused) ? refused.Message.Reason : $"There is no incident {id}.";
            return await IncidentPageOf(id, http, reader, options, null, $"Refused: {reason}", StatusCodes.Status409Conflict, ct);
        }
        catch (RequestTimeoutException)
        {
            return Unavailable(http);
        }
    }

    private static async Task<IResult> DeadLetterQueues(HttpContext http, DeadLetters dl, string? done, CancellationToken ct) =>
        await Broker(http, async () => Page<DeadLettersPage>(http, new() { ["Queues"] = await dl.List(ct) }, notice: Notice(done)));

    private static async Task<IResult> DeadLetterQueue(string queue, string? done, HttpContext http, DeadLetters dl, CancellationToken ct) =>
        await DeadLetterQueuePage(queue, http, dl, Notice(done), null, StatusCodes.Status200OK, ct);

    private static async Task<IResult> DeadLetterQueuePage(string queue, HttpContext http, DeadLetters dl, string? notice, string? error, int status, CancellationToken ct)
    {
        if (!AgentQueues.ReceiveEndpoints.Contains(queue))
        {
            return Page<NoticePage>(http, new() { ["Title"] = "Unknown queue", ["Text"] = $"'{queue}' is not a queue of this system." }, StatusCodes.Status404NotFound);
        }

        return await Broker(http, async () =>
        {
            var letters = (await dl.Peek(queue, 50, ct)).Select(d => DeadLetterApi.Visible(d, queue, http)).ToList();
            return Page<DeadLetterQueuePage>(http, new() { ["Queue"] = queue, ["Letters"] = letters }, status, notice, error);
        });
    }

    private static async Task<IResult> Replay(
        string queue, [FromForm] string? messageId, [FromForm] string? all, HttpContext http, DeadLetters dl, CancellationToken ct)
    {
        var one = string.IsNullOrWhiteSpace(messageId) ? null : messageId.Trim();
        if ((one is null) == (all != "yes") || one is { Length: > 200 })
        {
            return await DeadLetterQueuePage(queue, http, dl, null, "Replay one message, or all of them.", StatusCodes.Status400BadRequest, ct);
        }

        if (!AgentQueues.ReceiveEndpoints.Contains(queue))
        {
            return await DeadLetterQueuePage(queue, http, dl, null, null, StatusCodes.Status404NotFound, ct);
        }

        AuditMiddleware.Describe(http, one is null ? "all (console)" : $"messageId={one} (console)");
        return await Broker(http, async () =>
        {
            var replayed = await dl.Replay(queue, one, ct);
            AuditMiddleware.Describe(http, one is null ? $"all: {replayed} replayed (console)" : $"messageId={one}: {replayed} replayed (console)");
            return one is not null && replayed == 0
                ? await DeadLetterQueuePage(queue, http, dl, null, $"No message {one} in {DeadLetters.ErrorQueueOf(queue)}.", StatusCodes.Status404NotFound, ct)
                : Results.Redirect($"{ConsoleSecurity.Prefix}/dead-letters/{Uri.EscapeDataString(queue)}?done=replayed");
        });
    }

    private static async Task<IResult> Purge(string queue, [FromForm] string? confirmQueue, HttpContext http, DeadLetters dl, CancellationToken ct)
    {
        if (!AgentQueues.ReceiveEndpoints.Contains(queue))
        {
            return await DeadLetterQueuePage(queue, http, dl, null, null, StatusCodes.Status404NotFound, ct);
        }

        if (confirmQueue?.Trim() != queue)
        {
            AuditMiddleware.Describe(http, "not purged: the queue's name was not typed (console)");
            return await DeadLetterQueuePage(queue, http, dl, null, $"Type the queue's name ({queue}) to purge it.", StatusCodes.Status400BadRequest, ct);
        }

        return await Broker(http, async () =>
        {
            var purged = await dl.Purge(queue, ct);
            AuditMiddleware.Describe(http, $"{purged} purged (console)");
            return Results.Redirect($"{ConsoleSecurity.Prefix}/dead-letters/{Uri.EscapeDataString(queue)}?done=purged");
        });
    }

    private static async Task<IResult> Broker(HttpContext http, Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.PublishException or BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException)
        {
            return Page<NoticePage>(http, new() { ["Title"] = "RabbitMQ unavailable",
                ["Text"] = $"The console could not work on the error queues: {e.GetBaseException().Message}" }, StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult Asset(string name)
    {
        var type = Path.GetExtension(name) switch { ".css" => "text/css", ".js" => "text/javascript", _ => null };
        var stream = type is null || name.Length > 64 ? null : Assembly.GetExecutingAssembly().GetManifestResourceStream($"Agents.Api.Console.{name}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    internal static IResult Unavailable(HttpContext http) =>
        Page<NoticePage>(http, new() { ["Title"] = "Orchestrator unavailable",
            ["Text"] = "The orchestrator did not answer in time; is it running? (GET /health/ready on it tells)" }, StatusCodes.Status503ServiceUnavailable);

    private static string? Notice(string? code) => code is not null && Notices.TryGetValue(code, out var text) ? text : null;

    /// <summary>A path of this console to go back to after signing in; anything else (another site) is the incidents page.</summary>
    private static string LocalOr(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 } && returnUrl.StartsWith(ConsoleSecurity.Prefix + "/", StringComparison.Ordinal)
            && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.Contains('\\')
            ? returnUrl : $"{ConsoleSecurity.Prefix}/";

    internal static RazorComponentResult Page<T>(
        HttpContext http, Dictionary<string, object?> parameters, int status = StatusCodes.Status200OK, string? notice = null, string? error = null)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        parameters["View"] = ConsoleView.Of(http, notice, error);
        return new RazorComponentResult<T>(parameters) { StatusCode = status };
    }
}
