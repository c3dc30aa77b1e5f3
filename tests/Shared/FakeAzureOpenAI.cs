using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local server speaking Azure OpenAI's chat-completions wire format
/// (<c>POST /openai/deployments/{deployment}/chat/completions?api-version=…</c>, <c>api-key</c> header), and the
/// OpenAI-compatible one under <see cref="OpenAIEndpoint"/> (<c>POST /v1/chat/completions</c>, the model in the body,
/// <c>Authorization: Bearer</c>, recorded as the request's key): it records
/// every request and answers from <see cref="Responder"/> when it has an answer, else from a script of replies, in
/// order (the last one repeats). Compiled into each test project that needs it.
/// </summary>
internal sealed class FakeAzureOpenAI : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();
    private Reply? _last;

    private FakeAzureOpenAI(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The OpenAI-compatible base address (<c>…/v1</c>), as OpenAI, Ollama and vLLM serve it.</summary>
    public Uri OpenAIEndpoint => new(Endpoint, "v1");

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Answers a request from its content (e.g. by the agent's prompt), or null to use the script.</summary>
    public Func<Request, Reply?>? Responder { get; set; }

    /// <summary>One recorded request.</summary>
    public sealed record Request(string Path, string? ApiVersion, string? ApiKey, JsonNode Body);

    /// <summary>One scripted reply: a status, headers, a body and an optional delay before it.</summary>
    public sealed record Reply(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default);

    public static async Task<FakeAzureOpenAI> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAzureOpenAI(app);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", fake.Handle);
        app.MapPost("/v1/chat/completions", fake.Handle);
        await app.StartAsync();
        fake.Endpoint = new Uri(app.Urls.Single());
        return fake;
    }

    public FakeAzureOpenAI Then(Reply reply)
    {
        _script.Enqueue(reply);
        return this;
    }

    /// <summary>A completion whose message content is <paramref name="content"/>, with the token usage given.</summary>
    public FakeAzureOpenAI ThenAnswer(string content, int promptTokens = 120, int completionTokens = 40) =>
        Then(new Reply(HttpStatusCode.OK, Completion(content, promptTokens, completionTokens)));

    public FakeAzureOpenAI ThenAnswerJson(object value, int promptTokens = 120, int completionTokens = 40) =>
        ThenAnswer(JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonSerializerDefaults.Web)), promptTokens, completionTokens);

    public FakeAzureOpenAI ThenStatus(HttpStatusCode status, IReadOnlyDictionary<string, string>? headers = null) =>
        Then(new Reply(status, new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), ["message"] = $"scripted {status}" },
        }.ToJsonString(), headers));

    public static string Completion(string content, int promptTokens, int completionTokens) => new JsonObject
    {
        ["id"] = "chatcmpl-fake",
        ["object"] = "chat.completion",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = "gpt-4o-2024-08-06",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject
        {
            ["prompt_tokens"] = promptTokens,
            ["completion_tokens"] = completionTokens,
            ["total_tokens"] = promptTokens + completionTokens,
        },
    }.ToJsonString();

    private async Task Handle(HttpContext http)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body) ?? new JsonObject();
        string? key = http.Request.Headers["api-key"];
        var bearer = http.Request.Headers.Authorization.ToString();
        if (key is null && bearer.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = bearer["Bearer ".Length..];
        }

        var request = new Request(http.Request.Path, http.Request.Query["api-version"], key, body);
        Requests.Enqueue(request);
        var reply = Responder?.Invoke(request) ?? (_script.TryDequeue(out var next) ? _last = next : _last)
            ?? throw new InvalidOperationException("the fake has no answer for this request");
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up: what it would see from a slow model
            }
        }

        http.Response.StatusCode = (int)reply.Status;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            http.Response.Headers[name] = value;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
