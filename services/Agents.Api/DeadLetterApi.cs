using Agents.Contracts;
using RabbitMQ.Client.Exceptions;

namespace Agents.Api;

/// <summary>The operator's dead-letter commands: list, show, replay and purge the error queues.</summary>
public static class DeadLetterApi
{
    public static WebApplication MapDeadLetterEndpoints(this WebApplication app)
    {
        app.MapGet("/dead-letters", (DeadLetters dl, CancellationToken ct) => Broker(async () => Results.Ok(await dl.List(ct))));
        app.MapGet("/dead-letters/{queue}", Peek);
        app.MapGet("/dead-letters/{queue}/{messageId}", Show);
        app.MapPost("/dead-letters/{queue}/replay", Replay);
        app.MapDelete("/dead-letters/{queue}", Purge);
        return app;
    }

    /// <summary>Body of <c>POST /dead-letters/{queue}/replay</c>: one message by id, or (empty body) all.</summary>
    public sealed record ReplayBody(string? MessageId);

    private static Task<IResult> Peek(string queue, int? limit, DeadLetters dl, CancellationToken ct) =>
        ListArguments.Refusal(limit) is { } refusal
            ? Task.FromResult(refusal)
            : Known(queue, async () => Results.Ok(await dl.Peek(queue, limit ?? 20, ct)));

    private static Task<IResult> Show(string queue, string messageId, DeadLetters dl, CancellationToken ct) =>
        Known(queue, async () => await dl.Find(queue, messageId, ct) is { } found
            ? Results.Ok(found)
            : NoSuchMessage(queue, messageId));

    // An absent body replays all; a body with a message id (sent with a length or chunked) replays that one;
    // malformed JSON is a 400 from the framework before anything is touched.
    private static Task<IResult> Replay(string queue, ReplayBody? body, DeadLetters dl, CancellationToken ct) =>
        Known(queue, async () =>
        {
            var replayed = await dl.Replay(queue, body?.MessageId, ct);
            return body?.MessageId is { } id && replayed == 0
                ? NoSuchMessage(queue, id)
                : Results.Ok(new { queue, replayed });
        });

    private static Task<IResult> Purge(string queue, DeadLetters dl, CancellationToken ct) =>
        Known(queue, async () => Results.Ok(new { queue, purged = await dl.Purge(queue, ct) }));

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
