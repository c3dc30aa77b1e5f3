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
        var reply = Rejection(http, body) ?? InvalidStrictSchema(body) ?? Responder?.Invoke(request) ?? (_script.TryDequeue(out var next) ? _last = next : _last)
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

    /// <summary>
    /// Deployments (Azure, from the path) or models (OpenAI-compatible, from the body) that are reasoning models: as the
    /// service does, they refuse a request carrying <c>temperature</c> or <c>max_tokens</c> with 400 <c>unsupported_parameter</c>.
    /// </summary>
    public ISet<string> ReasoningDeployments { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A completion that ends with <paramref name="finishReason"/> (<c>length</c>, <c>content_filter</c>), the content cut or empty.</summary>
    public FakeAzureOpenAI ThenFinish(string finishReason, string content = "", int promptTokens = 120, int completionTokens = 40) =>
        Then(new Reply(HttpStatusCode.OK, Completion(content, null, finishReason, promptTokens, completionTokens)));

    /// <summary>A model's refusal: <c>"refusal"</c> set and null content, as structured output reports it.</summary>
    public FakeAzureOpenAI ThenRefusal(string refusal = "I can't help with that", int promptTokens = 120, int completionTokens = 8) =>
        Then(new Reply(HttpStatusCode.OK, Completion(null, refusal, "stop", promptTokens, completionTokens)));

    /// <summary>Azure's 400 <c>content_filter</c> for a prompt its content management policy blocks, with its <c>innererror</c>.</summary>
    public FakeAzureOpenAI ThenPromptFiltered() => Then(PromptFiltered);

    /// <summary>A 429 asking to wait <paramref name="retryAfterMs"/> ms, in Azure's <c>retry-after-ms</c> and <c>retry-after</c> headers.</summary>
    public FakeAzureOpenAI ThenThrottled(int retryAfterMs) => Then(Throttled(retryAfterMs));

    /// <summary>Azure's 400 <c>content_filter</c> body: the prompt triggered the content management policy.</summary>
    public static readonly Reply PromptFiltered = new(HttpStatusCode.BadRequest, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
                + "Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
            ["type"] = null,
            ["param"] = "prompt",
            ["code"] = "content_filter",
            ["status"] = 400,
            ["innererror"] = new JsonObject
            {
                ["code"] = "ResponsibleAIPolicyViolation",
                ["content_filter_result"] = new JsonObject
                {
                    ["hate"] = new JsonObject { ["filtered"] = false, ["severity"] = "safe" },
                    ["jailbreak"] = new JsonObject { ["filtered"] = true, ["detected"] = true },
                    ["self_harm"] = new JsonObject { ["filtered"] = false, ["severity"] = "safe" },
                    ["sexual"] = new JsonObject { ["filtered"] = false, ["severity"] = "safe" },
                    ["violence"] = new JsonObject { ["filtered"] = false, ["severity"] = "safe" },
                },
            },
        },
    }.ToJsonString());

    /// <summary>Azure's 429 for a deployment over its rate limit, asking to wait <paramref name="retryAfterMs"/> ms.</summary>
    public static Reply Throttled(int retryAfterMs) => new((HttpStatusCode)429, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = "429",
            ["message"] = "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.",
        },
    }.ToJsonString(), new Dictionary<string, string>
    {
        ["retry-after-ms"] = retryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["retry-after"] = Math.Max(1, (retryAfterMs + 999) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>A completion with <paramref name="content"/> (or null) or a <paramref name="refusal"/>, ending with <paramref name="finishReason"/>.</summary>
    public static string Completion(string? content, string? refusal, string finishReason, int promptTokens, int completionTokens)
    {
        var completion = JsonNode.Parse(Completion(content ?? "", promptTokens, completionTokens))!;
        var choice = completion["choices"]![0]!;
        choice["message"]!["content"] = content;
        choice["message"]!["refusal"] = refusal;
        choice["finish_reason"] = finishReason;
        return completion.ToJsonString();
    }

    /// <summary>
    /// The request body's parameters the chat-completions API knows; any other is refused as the service refuses it,
    /// 400 <c>Unrecognized request argument supplied: …</c> with no code.
    /// </summary>
    private static readonly HashSet<string> KnownParameters = new(StringComparer.Ordinal)
    {
        "messages", "model", "temperature", "top_p", "n", "stream", "stream_options", "stop", "max_tokens", "max_completion_tokens",
        "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "response_format",
        "tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "store", "metadata", "service_tier", "modalities",
        "prediction", "audio", "data_sources", "user_security_context",
    };

    /// <summary>
    /// The deployment's context window in tokens (estimated as the messages' characters / 4): a prompt over it is refused
    /// with 400 <c>context_length_exceeded</c>, as the service refuses it. Null: no limit.
    /// </summary>
    public int? ContextWindowTokens { get; set; }

    /// <summary>
    /// What the service refuses before any model runs: an unknown parameter; on a reasoning deployment <c>temperature</c>
    /// and <c>max_tokens</c> (it takes <c>max_completion_tokens</c>); a prompt over <see cref="ContextWindowTokens"/>.
    /// </summary>
    private Reply? Rejection(HttpContext http, JsonNode body)
    {
        if (body is JsonObject fields && fields.Select(f => f.Key).Where(k => !KnownParameters.Contains(k)).ToArray() is { Length: > 0 } unknown)
        {
            return Refused($"Unrecognized request argument supplied: {string.Join(", ", unknown)}", param: null, code: null);
        }

        var deployment = http.Request.RouteValues["deployment"] as string ?? body["model"]?.GetValue<string>();
        if (deployment is not null && ReasoningDeployments.Contains(deployment))
        {
            if (body["temperature"] is not null)
            {
                return Refused("Unsupported parameter: 'temperature' is not supported with this model.", "temperature", "unsupported_parameter");
            }

            if (body["max_tokens"] is not null)
            {
                return Refused("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                    "max_tokens", "unsupported_parameter");
            }
        }

        var tokens = (body["messages"] as JsonArray ?? []).Sum(m => (m?["content"]?.GetValueKind() == JsonValueKind.String ? m["content"]!.GetValue<string>().Length : 0) / 4);
        return ContextWindowTokens is { } window && tokens > window
            ? Refused($"This model's maximum context length is {window} tokens. However, your messages resulted in {tokens} tokens. Please reduce the length of the messages.",
                "messages", "context_length_exceeded")
            : null;
    }

    /// <summary>A 400 in the service's error shape: <c>{"error": {"message", "type": "invalid_request_error", "param", "code"}}</c>.</summary>
    private static Reply Refused(string message, string? param, string? code) => new(HttpStatusCode.BadRequest, new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = param, ["code"] = code },
    }.ToJsonString());

    /// <summary>
    /// Structured output in strict mode: a <c>response_format</c> with <c>json_schema.strict: true</c> whose schema breaks a
    /// strict rule is refused as the service refuses it, 400 <c>invalid_json_schema</c> naming the first broken rule.
    /// </summary>
    private static Reply? InvalidStrictSchema(JsonNode body)
    {
        if (body["response_format"]?["json_schema"] is not JsonObject format || format["strict"]?.GetValueKind() != JsonValueKind.True)
        {
            return null;
        }

        var schema = format["schema"];
        var problem = schema is JsonObject { } root && root["type"]?.GetValueKind() == JsonValueKind.String && (string?)root["type"] == "object"
            ? StrictProblem(schema, [], 1)
            : $"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{schema?["type"]?.ToJsonString().Trim('"') ?? "None"}\"'.";
        return problem is null ? null : new Reply(HttpStatusCode.BadRequest, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = $"Invalid schema for response_format '{format["name"]}': {problem}",
                ["type"] = "invalid_request_error",
                ["param"] = "response_format",
                ["code"] = "invalid_json_schema",
            },
        }.ToJsonString());
    }

    private static readonly string[] StrictKeywords =
        ["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs", "definitions", "description", "title"];

    /// <summary>The first strict rule <paramref name="node"/> breaks, in the service's words, or null.</summary>
    private static string? StrictProblem(JsonNode? node, IReadOnlyList<string> path, int depth)
    {
        var context = path.Count switch
        {
            0 => "()",
            1 => $"('{path[0]}',)",
            _ => $"({string.Join(", ", path.Select(p => $"'{p}'"))})",
        };
        if (node is not JsonObject schema)
        {
            return $"In context={context}, schema must be an object.";
        }

        if (schema.Select(p => p.Key).FirstOrDefault(k => !StrictKeywords.Contains(k)) is { } keyword)
        {
            return $"In context={context}, '{keyword}' is not permitted.";
        }

        if (!new[] { "type", "anyOf", "$ref", "enum", "const" }.Any(schema.ContainsKey))
        {
            return $"In context={context}, schema must have a 'type' key.";
        }

        var isObject = schema["type"] is JsonArray types ? types.Any(t => (string?)t == "object") : (string?)schema["type"] == "object";
        if (isObject || schema.ContainsKey("properties"))
        {
            if (depth > 5)
            {
                return $"In context={context}, objects are nested {depth} levels deep; at most 5 are permitted.";
            }

            if (schema["additionalProperties"]?.GetValueKind() != JsonValueKind.False)
            {
                return $"In context={context}, 'additionalProperties' is required to be supplied and to be false.";
            }

            var properties = schema["properties"] as JsonObject ?? [];
            var required = (schema["required"] as JsonArray ?? []).Select(r => (string?)r).ToHashSet();
            if (properties.Select(p => p.Key).FirstOrDefault(k => !required.Contains(k)) is { } missing)
            {
                return $"In context={context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{missing}'.";
            }

            foreach (var (name, property) in properties)
            {
                if (StrictProblem(property, [.. path, "properties", name], depth + 1) is { } problem)
                {
                    return problem;
                }
            }
        }

        if (schema.ContainsKey("items") && StrictProblem(schema["items"], [.. path, "items"], depth) is { } inItems)
        {
            return inItems;
        }

        var branches = schema["anyOf"] as JsonArray ?? [];
        return branches.Select((branch, i) => StrictProblem(branch, [.. path, "anyOf", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], depth))
            .FirstOrDefault(p => p is not null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
