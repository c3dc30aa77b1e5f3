using Agents.Api.Audit;
using Agents.Api.Security;
using Agents.Contracts;
using RabbitMQ.Client.Exceptions;

namespace Agents.Api;

/// <summary>The operator's dead-letter commands: list, show, replay and purge the error queues.</summary>
public static class DeadLetterApi
{
    public static WebApplication MapDeadLetterEndpoints(this WebApplication app)
    {
        // The counts are for anyone who may look; the messages themselves (claims with personal data, alert text) for admins.
        app.MapGet("/dead-letters", (DeadLetters dl, CancellationToken ct) => Broker(async () => Results.Ok(await dl.List(ct))))
            .RequireRole(ApiRoles.Viewer);
        app.MapGet("/dead-letters/{queue}", Peek).RequireRole(ApiRoles.Admin);
        app.MapGet("/dead-letters/{queue}/{messageId}", Show).RequireRole(ApiRoles.Admin);
        app.MapPost("/dead-letters/{queue}/replay", Replay).RequireRole(ApiRoles.Admin).Audited("dead-letter.replay");
        app.MapDelete("/dead-letters/{queue}", Purge).RequireRole(ApiRoles.Admin).Audited("dead-letter.purge");
        return app;
    }

    /// <summary>Body of <c>POST /dead-letters/{queue}/replay</c>: one message by id, or every message with <c>{"all": true}</c>.</summary>
    public sealed record ReplayBody(string? MessageId, bool? All);

    private static Task<IResult> Peek(string queue, int? limit, HttpContext http, DeadLetters dl, CancellationToken ct) =>
        ListArguments.Refusal(limit) is { } refusal
            ? Task.FromResult(refusal)
            : Known(queue, async () => Results.Ok((await dl.Peek(queue, limit ?? 20, ct)).Select(d => Visible(d, queue, http)).ToList()));

    private static Task<IResult> Show(string queue, string messageId, HttpContext http, DeadLetters dl, CancellationToken ct) =>
        Known(queue, async () => await dl.Find(queue, messageId, ct) is { } found
            ? Results.Ok(Visible(found, queue, http))
            : NoSuchMessage(queue, messageId));

    /// <summary>A dead letter as the caller may read it: claims' personal data only for claims reviewers (and audited).</summary>
    internal static DeadLetter Visible(DeadLetter letter, string queue, HttpContext http)
    {
        var redacted = PersonalData.RedactBody(letter.Body, queue);
        if (redacted == letter.Body)
        {
            return letter;
        }

        if (http.User.IsInRole(ApiRoles.ClaimsReviewer))
        {
            AuditMiddleware.Mark(http, "claim.read-personal-data");
            return letter;
        }

        return letter with { Body = redacted };
    }

    // Replaying a whole queue is never the default: it takes {"all": true}; a body with a message id replays that one.
    // A missing or malformed body is a 400 from the framework before anything is touched.
    private static Task<IResult> Replay(string queue, ReplayBody body, HttpContext http, DeadLetters dl, CancellationToken ct)
    {
        var one = string.IsNullOrWhiteSpace(body.MessageId) ? null : body.MessageId;
        if ((one is null) == (body.All != true))
        {
            return Task.FromResult(Results.Problem(statusCode: 400, title: "Say what to replay",
                detail: "Send {\"messageId\": \"...\"} to replay one message, or {\"all\": true} to replay every message of the error queue (not both)."));
        }

        AuditMiddleware.Describe(http, one is null ? "all" : $"messageId={one}");
        return Known(queue, async () =>
        {
            var replayed = await dl.Replay(queue, one, ct);
            AuditMiddleware.Describe(http, one is null ? $"all: {replayed} replayed" : $"messageId={one}: {replayed} replayed");
            return one is not null && replayed == 0
                ? NoSuchMessage(queue, one)
                : Results.Ok(new { queue, replayed });
        });
    }

    private static Task<IResult> Purge(string queue, HttpContext http, DeadLetters dl, CancellationToken ct) =>
        Known(queue, async () =>
        {
            var purged = await dl.Purge(queue, ct);
            AuditMiddleware.Describe(http, $"{purged} purged");
            return Results.Ok(new { queue, purged });
        });

    private static Task<IResult> Known(string queue, Func<Task<IResult>> action) =>
        AgentQueues.ReceiveEndpoints.Contains(queue)
            ? Broker(action)
            : Task.FromResult(Results.Problem(statusCode: 400, title: "Unknown queue",
                detail: $"'{queue}' is not a queue of this system; use one of {string.Join(", ", AgentQueues.ReceiveEndpoints)}."));

    private static async Task<IResult> Broker(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (PublishException e)
        {
            return Results.Problem(statusCode: 502, title: "Replay refused by RabbitMQ",
                detail: $"The broker did not take the re-sent message (is the original queue there?); it is still in the error queue. {e.Message}");
        }
        catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException)
        {
            return Results.Problem(statusCode: 503, title: "RabbitMQ unavailable",
                detail: $"The API could not work on the error queues: {e.GetBaseException().Message}");
        }
    }

    private static IResult NoSuchMessage(string queue, string messageId) =>
        Results.Problem(statusCode: 404, title: "No such dead letter", detail: $"No message {messageId} in {DeadLetters.ErrorQueueOf(queue)}.");
}
