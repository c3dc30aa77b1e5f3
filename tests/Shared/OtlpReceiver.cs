using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Testing;

/// <summary>
/// A local OTLP/HTTP receiver for tests: services export their spans to <see cref="Endpoint"/> (set it as
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>) and the test asserts on
/// <see cref="Spans"/> or waits with <see cref="WaitFor"/>. Accepts <c>POST /v1/traces</c> as
/// <c>application/x-protobuf</c> (optionally gzip-compressed) and decodes it with its own protobuf wire-format reader;
/// <c>/v1/metrics</c> and <c>/v1/logs</c> are acknowledged and ignored. Compiled into each test project that needs it.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    public const string TracesPath = "/v1/traces";
    public const string MetricsPath = "/v1/metrics";
    public const string LogsPath = "/v1/logs";

    private const string ProtobufContentType = "application/x-protobuf";
    private const int MaxNamesInMessages = 40;

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Dictionary<string, int> _requestCounts = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastError;

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
        _app.Run(Handle);
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash): the exporter adds <c>/v1/traces</c>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>The spans received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Every request received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many requests arrived per path (any method, any outcome), e.g. <c>/v1/traces</c> → 3.</summary>
    public IReadOnlyDictionary<string, int> RequestCounts
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_requestCounts, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// The last request that could not be accepted (bad protobuf, bad gzip, wrong content type, unknown path), or null.
    /// </summary>
    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    /// <summary>Starts a receiver on 127.0.0.1 on a free port.</summary>
    public static async Task<OtlpReceiver> Start()
    {
        // The empty builder reads no configuration, environment variables or appsettings and logs nowhere.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        try
        {
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var address = addresses?.FirstOrDefault()
                ?? throw new InvalidOperationException("The OTLP receiver started but Kestrel reported no address.");
            receiver.Endpoint = address.TrimEnd('/');
            return receiver;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the spans received so far (checked now and after each request),
    /// and returns the snapshot it held for. Throws a <see cref="TimeoutException"/> describing what did arrive otherwise.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitFor(
        Func<IReadOnlyList<ReceivedSpan>, bool> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken = default,
        [CallerArgumentExpression(nameof(condition))] string? conditionText = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            IReadOnlyList<ReceivedSpan> snapshot;
            Task changed;
            lock (_gate)
            {
                snapshot = [.. _spans];
                changed = _changed.Task;
            }

            if (condition(snapshot))
            {
                return snapshot;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(Describe(timeout, conditionText));
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The deadline passed while waiting: check the condition one last time on the loop's next turn.
            }
        }
    }

    /// <summary>Waits for one span that matches <paramref name="predicate"/> and returns the first such span.</summary>
    public async Task<ReceivedSpan> WaitForSpan(
        Func<ReceivedSpan, bool> predicate,
        TimeSpan timeout,
        CancellationToken cancellationToken = default,
        [CallerArgumentExpression(nameof(predicate))] string? predicateText = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var spans = await WaitFor(s => s.Any(predicate), timeout, cancellationToken, $"a span where {predicateText}");
        return spans.First(predicate);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    private string Describe(TimeSpan timeout, string? conditionText)
    {
        List<ReceivedSpan> spans;
        Dictionary<string, int> counts;
        string? lastError;
        lock (_gate)
        {
            spans = [.. _spans];
            counts = new Dictionary<string, int>(_requestCounts, StringComparer.Ordinal);
            lastError = _lastError;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Timed out after {timeout.TotalMilliseconds:0} ms waiting for {conditionText ?? "the condition"} on the OTLP receiver at {Endpoint}. ");
        text.Append(CultureInfo.InvariantCulture, $"{spans.Count} span(s) arrived");
        text.Append("; services: ").Append(List(spans.Select(s => s.ServiceName)));
        text.Append("; span names: ").Append(List(spans.Select(s => s.Name)));
        text.Append("; requests: ").Append(counts.Count == 0
            ? "none"
            : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")));
        text.Append("; last error: ").Append(lastError ?? "none").Append('.');
        return text.ToString();

        static string List(IEnumerable<string> values)
        {
            var distinct = values.Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count == 0)
            {
                return "[none]";
            }

            var shown = string.Join(", ", distinct.Take(MaxNamesInMessages));
            return distinct.Count > MaxNamesInMessages
                ? $"[{shown}, … and {distinct.Count - MaxNamesInMessages} more]"
                : $"[{shown}]";
        }
    }

    private async Task Handle(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var contentType = request.ContentType;
        var contentEncoding = request.Headers.ContentEncoding.ToString();
        lock (_gate)
        {
            _requestCounts[path] = _requestCounts.GetValueOrDefault(path) + 1;
        }

        int status;
        var spanCount = 0;
        string? error = null;
        byte[] body = [];
        if (path is not (TracesPath or MetricsPath or LogsPath))
        {
            status = StatusCodes.Status404NotFound;
            error = $"unknown path '{path}': expected {TracesPath}, {MetricsPath} or {LogsPath} "
                + "(an exporter Endpoint set in code is used as is, so it must end with /v1/traces)";
        }
        else if (!HttpMethods.IsPost(request.Method))
        {
            status = StatusCodes.Status405MethodNotAllowed;
            error = $"method {request.Method} not allowed: OTLP/HTTP exports are POSTs";
        }
        else
        {
            (status, body, error) = await ReadBody(request, contentType, contentEncoding, context.RequestAborted);
            if (error is null && path == TracesPath)
            {
                try
                {
                    var spans = OtlpTraceDecoder.Decode(body);
                    spanCount = spans.Count;
                    lock (_gate)
                    {
                        _spans.AddRange(spans);
                    }
                }
                catch (FormatException e)
                {
                    status = StatusCodes.Status400BadRequest;
                    error = $"could not decode the ExportTraceServiceRequest: {e.Message}";
                }
            }
        }

        TaskCompletionSource changed;
        lock (_gate)
        {
            _requests.Add(new ReceivedRequest(path, request.Method, contentType, contentEncoding.Length == 0 ? null : contentEncoding, body.Length, status, spanCount, error));
            if (error is not null)
            {
                var length = request.ContentLength?.ToString(CultureInfo.InvariantCulture) ?? "none";
                _lastError = $"{request.Method} {path} (Content-Type {contentType ?? "none"}, Content-Length {length}): {error}";
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status200OK)
        {
            // An empty Export*ServiceResponse (no partial_success) encodes as zero bytes.
            context.Response.ContentType = ProtobufContentType;
            context.Response.ContentLength = 0;
        }
        else if (error is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(error, context.RequestAborted);
        }
    }

    private static async Task<(int Status, byte[] Body, string? Error)> ReadBody(
        HttpRequest request, string? contentType, string contentEncoding, CancellationToken cancellationToken)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim();
        if (!string.Equals(mediaType, ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            // Drain the body so that the connection can be reused, and say why it was refused.
            await request.Body.CopyToAsync(Stream.Null, cancellationToken);
            return (StatusCodes.Status415UnsupportedMediaType, [],
                $"unsupported Content-Type '{contentType ?? "none"}' (only {ProtobufContentType}: is the exporter's protocol http/protobuf?)");
        }

        using var buffer = new MemoryStream();
        if (contentEncoding.Length == 0 || string.Equals(contentEncoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            await request.Body.CopyToAsync(buffer, cancellationToken);
            return (StatusCodes.Status200OK, buffer.ToArray(), null);
        }

        if (!string.Equals(contentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            await request.Body.CopyToAsync(Stream.Null, cancellationToken);
            return (StatusCodes.Status415UnsupportedMediaType, [], $"unsupported Content-Encoding '{contentEncoding}' (only gzip)");
        }

        try
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
            await gzip.CopyToAsync(buffer, cancellationToken);
            return (StatusCodes.Status200OK, buffer.ToArray(), null);
        }
        catch (InvalidDataException e)
        {
            await request.Body.CopyToAsync(Stream.Null, cancellationToken);
            return (StatusCodes.Status400BadRequest, [], $"the body is not valid gzip: {e.Message}");
        }
    }
}

/// <summary>One span as an OTLP exporter sent it, with its resource and instrumentation scope.</summary>
public sealed record ReceivedSpan
{
    /// <summary>32 lowercase hex digits.</summary>
    public required string TraceId { get; init; }

    /// <summary>16 lowercase hex digits.</summary>
    public required string SpanId { get; init; }

    /// <summary>16 lowercase hex digits, or null for a root span.</summary>
    public required string? ParentSpanId { get; init; }

    public required string Name { get; init; }

    /// <summary>OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.</summary>
    public required int Kind { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary>
    /// The span's attributes: <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
    /// <c>byte[]</c>, <c>object?[]</c> for arrays, a nested dictionary for key-value lists, null for an empty value.
    /// </summary>
    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    /// <summary>The resource's <c>service.name</c>, or an empty string when the resource has none.</summary>
    public required string ServiceName { get; init; }

    /// <summary>The resource's attributes (<c>service.name</c>, <c>service.instance.id</c>, <c>telemetry.sdk.*</c>…).</summary>
    public required IReadOnlyDictionary<string, object?> Resource { get; init; }

    /// <summary>The instrumentation scope's name (for .NET, the ActivitySource's name).</summary>
    public required string Scope { get; init; }

    /// <summary>The names of the span's events, in order.</summary>
    public required IReadOnlyList<string> Events { get; init; }

    /// <summary>OTLP StatusCode: 0 unset, 1 ok, 2 error.</summary>
    public required int StatusCode { get; init; }

    /// <summary>The status's description, or null when empty.</summary>
    public required string? StatusMessage { get; init; }

    public required IReadOnlyList<ReceivedSpanLink> Links { get; init; }

    /// <summary>
    /// The attribute as a string (invariant culture, booleans as <c>true</c>/<c>false</c>, arrays comma-joined),
    /// or null when the span has no such attribute.
    /// </summary>
    public string? Tag(string key) => Attributes.TryGetValue(key, out var value) ? Format(value) : null;

    public override string ToString() =>
        $"{ServiceName}/{Name} (trace {TraceId}, span {SpanId}, parent {ParentSpanId ?? "none"}, kind {Kind}, status {StatusCode})";

    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToHexStringLower(bytes),
        object?[] array => string.Join(",", array.Select(Format)),
        IReadOnlyDictionary<string, object?> map => "{" + string.Join(",", map.Select(kv => $"{kv.Key}={Format(kv.Value)}")) + "}",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>A span's link to another span.</summary>
public sealed record ReceivedSpanLink(string TraceId, string SpanId);

/// <summary>One request the receiver answered, for diagnostics.</summary>
public sealed record ReceivedRequest(
    string Path,
    string Method,
    string? ContentType,
    string? ContentEncoding,
    int DecodedBodyLength,
    int StatusCode,
    int SpanCount,
    string? Error);

/// <summary>Decodes an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry-proto v1) into <see cref="ReceivedSpan"/>s.</summary>
internal static class OtlpTraceDecoder
{
    private static readonly IReadOnlyDictionary<string, object?> NoAttributes = new Dictionary<string, object?>();

    /// <summary>Throws a <see cref="FormatException"/> when the body is not a well-formed request.</summary>
    public static List<ReceivedSpan> Decode(ReadOnlySpan<byte> body)
    {
        var spans = new List<ReceivedSpan>();
        var reader = new ProtoReader(body, "ExportTraceServiceRequest");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                DecodeResourceSpans(reader.LengthDelimited(field, wireType), spans);
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return spans;
    }

    private static void DecodeResourceSpans(ReadOnlySpan<byte> data, List<ReceivedSpan> spans)
    {
        // Fields may come in any order: read the resource first, then the scopes that share it.
        IReadOnlyDictionary<string, object?> resource = NoAttributes;
        var reader = new ProtoReader(data, "ResourceSpans");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                resource = DecodeAttributes(reader.LengthDelimited(field, wireType), "Resource");
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        var serviceName = resource.TryGetValue("service.name", out var name) && name is string s ? s : "";
        reader = new ProtoReader(data, "ResourceSpans");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 2)
            {
                DecodeScopeSpans(reader.LengthDelimited(field, wireType), resource, serviceName, spans);
            }
            else
            {
                reader.Skip(wireType);
            }
        }
    }

    /// <summary>A message whose field 1 is a repeated <c>KeyValue</c> (<c>Resource</c>, <c>KeyValueList</c>).</summary>
    private static IReadOnlyDictionary<string, object?> DecodeAttributes(ReadOnlySpan<byte> data, string message)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var reader = new ProtoReader(data, message);
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                DecodeKeyValue(reader.LengthDelimited(field, wireType), attributes);
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return attributes;
    }

    private static void DecodeScopeSpans(
        ReadOnlySpan<byte> data, IReadOnlyDictionary<string, object?> resource, string serviceName, List<ReceivedSpan> spans)
    {
        var scope = "";
        var reader = new ProtoReader(data, "ScopeSpans");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                scope = DecodeScopeName(reader.LengthDelimited(field, wireType));
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        reader = new ProtoReader(data, "ScopeSpans");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 2)
            {
                spans.Add(DecodeSpan(reader.LengthDelimited(field, wireType), resource, serviceName, scope));
            }
            else
            {
                reader.Skip(wireType);
            }
        }
    }

    private static string DecodeScopeName(ReadOnlySpan<byte> data)
    {
        var name = "";
        var reader = new ProtoReader(data, "InstrumentationScope");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                name = reader.String(field, wireType);
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return name;
    }

    private static ReceivedSpan DecodeSpan(
        ReadOnlySpan<byte> data, IReadOnlyDictionary<string, object?> resource, string serviceName, string scope)
    {
        string traceId = "", spanId = "", name = "";
        string? parentSpanId = null, statusMessage = null;
        int kind = 0, statusCode = 0;
        ulong start = 0, end = 0;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var events = new List<string>();
        var links = new List<ReceivedSpanLink>();
        var reader = new ProtoReader(data, "Span");
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    traceId = Convert.ToHexStringLower(reader.LengthDelimited(field, wireType));
                    break;
                case 2:
                    spanId = Convert.ToHexStringLower(reader.LengthDelimited(field, wireType));
                    break;
                case 4:
                    var parent = reader.LengthDelimited(field, wireType);
                    parentSpanId = parent.IsEmpty ? null : Convert.ToHexStringLower(parent);
                    break;
                case 5:
                    name = reader.String(field, wireType);
                    break;
                case 6:
                    kind = (int)reader.Varint(field, wireType);
                    break;
                case 7:
                    start = reader.Fixed64(field, wireType);
                    break;
                case 8:
                    end = reader.Fixed64(field, wireType);
                    break;
                case 9:
                    DecodeKeyValue(reader.LengthDelimited(field, wireType), attributes);
                    break;
                case 11:
                    events.Add(DecodeEventName(reader.LengthDelimited(field, wireType)));
                    break;
                case 13:
                    links.Add(DecodeLink(reader.LengthDelimited(field, wireType)));
                    break;
                case 15:
                    (statusCode, statusMessage) = DecodeStatus(reader.LengthDelimited(field, wireType));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new ReceivedSpan
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentSpanId,
            Name = name,
            Kind = kind,
            Start = FromUnixNanoseconds(start),
            End = FromUnixNanoseconds(end),
            Attributes = attributes,
            ServiceName = serviceName,
            Resource = resource,
            Scope = scope,
            Events = events,
            StatusCode = statusCode,
            StatusMessage = statusMessage,
            Links = links,
        };
    }

    private static string DecodeEventName(ReadOnlySpan<byte> data)
    {
        var name = "";
        var reader = new ProtoReader(data, "Span.Event");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 2)
            {
                name = reader.String(field, wireType);
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return name;
    }

    private static ReceivedSpanLink DecodeLink(ReadOnlySpan<byte> data)
    {
        string traceId = "", spanId = "";
        var reader = new ProtoReader(data, "Span.Link");
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    traceId = Convert.ToHexStringLower(reader.LengthDelimited(field, wireType));
                    break;
                case 2:
                    spanId = Convert.ToHexStringLower(reader.LengthDelimited(field, wireType));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new ReceivedSpanLink(traceId, spanId);
    }

    private static (int Code, string? Message) DecodeStatus(ReadOnlySpan<byte> data)
    {
        var code = 0;
        string? message = null;
        var reader = new ProtoReader(data, "Status");
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 2:
                    var text = reader.String(field, wireType);
                    message = text.Length == 0 ? null : text;
                    break;
                case 3:
                    code = (int)reader.Varint(field, wireType);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return (code, message);
    }

    private static void DecodeKeyValue(ReadOnlySpan<byte> data, Dictionary<string, object?> into)
    {
        var key = "";
        object? value = null;
        var reader = new ProtoReader(data, "KeyValue");
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    key = reader.String(field, wireType);
                    break;
                case 2:
                    value = DecodeAnyValue(reader.LengthDelimited(field, wireType));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        into[key] = value;
    }

    private static object? DecodeAnyValue(ReadOnlySpan<byte> data)
    {
        // A oneof: the last value present wins, as in any protobuf parser.
        object? value = null;
        var reader = new ProtoReader(data, "AnyValue");
        while (reader.Next(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    value = reader.String(field, wireType);
                    break;
                case 2:
                    value = reader.Varint(field, wireType) != 0;
                    break;
                case 3:
                    value = unchecked((long)reader.Varint(field, wireType));
                    break;
                case 4:
                    value = BitConverter.UInt64BitsToDouble(reader.Fixed64(field, wireType));
                    break;
                case 5:
                    value = DecodeArray(reader.LengthDelimited(field, wireType));
                    break;
                case 6:
                    value = DecodeAttributes(reader.LengthDelimited(field, wireType), "KeyValueList");
                    break;
                case 7:
                    value = reader.LengthDelimited(field, wireType).ToArray();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return value;
    }

    private static object?[] DecodeArray(ReadOnlySpan<byte> data)
    {
        var values = new List<object?>();
        var reader = new ProtoReader(data, "ArrayValue");
        while (reader.Next(out var field, out var wireType))
        {
            if (field == 1)
            {
                values.Add(DecodeAnyValue(reader.LengthDelimited(field, wireType)));
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return [.. values];
    }

    private static DateTimeOffset FromUnixNanoseconds(ulong nanoseconds) =>
        nanoseconds == 0
            ? DateTimeOffset.UnixEpoch
            : DateTimeOffset.UnixEpoch.AddTicks(checked((long)(nanoseconds / 100)));

    /// <summary>
    /// Reads the protobuf wire format: varint (0), 64-bit (1), length-delimited (2) and 32-bit (5) fields. A known field
    /// with an unexpected wire type, a truncated value or a group is an error; unknown fields are skipped.
    /// </summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data, string message)
    {
        private const int VarintType = 0;
        private const int Fixed64Type = 1;
        private const int LengthDelimitedType = 2;
        private const int Fixed32Type = 5;

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wireType)
        {
            if (_position >= _data.Length)
            {
                field = 0;
                wireType = 0;
                return false;
            }

            var at = _position;
            var tag = ReadVarint();
            field = (int)Math.Min(tag >> 3, int.MaxValue);
            wireType = (int)(tag & 7);
            if (field == 0 || tag >> 3 > 536_870_911)
            {
                throw Error($"invalid field number {tag >> 3} in tag 0x{tag:x} at offset {at}");
            }

            return true;
        }

        public ulong Varint(int field, int wireType)
        {
            Expect(field, wireType, VarintType);
            return ReadVarint();
        }

        public ulong Fixed64(int field, int wireType)
        {
            Expect(field, wireType, Fixed64Type);
            return BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
        }

        public ReadOnlySpan<byte> LengthDelimited(int field, int wireType)
        {
            Expect(field, wireType, LengthDelimitedType);
            return ReadLengthDelimited(field);
        }

        public string String(int field, int wireType)
        {
            var bytes = LengthDelimited(field, wireType);
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw Error($"field {field} is not valid UTF-8: {e.Message}");
            }
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case VarintType:
                    ReadVarint();
                    break;
                case Fixed64Type:
                    Take(8, field: null);
                    break;
                case LengthDelimitedType:
                    ReadLengthDelimited(field: null);
                    break;
                case Fixed32Type:
                    Take(4, field: null);
                    break;
                case 3 or 4:
                    throw Error($"group wire type {wireType} at offset {_position} is not supported");
                default:
                    throw Error($"invalid wire type {wireType} before offset {_position}");
            }
        }

        private ReadOnlySpan<byte> ReadLengthDelimited(int? field)
        {
            var at = _position;
            var length = ReadVarint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw Error($"{Describe(field)} at offset {at} declares {length} bytes but only {_data.Length - _position} remain");
            }

            return Take((int)length, field);
        }

        private ReadOnlySpan<byte> Take(int count, int? field)
        {
            if (count > _data.Length - _position)
            {
                throw Error($"{Describe(field)} at offset {_position} needs {count} bytes but only {_data.Length - _position} remain");
            }

            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }

        private ulong ReadVarint()
        {
            var at = _position;
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw Error($"truncated varint at offset {at}");
                }

                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    if (shift == 63 && b > 1)
                    {
                        throw Error($"varint at offset {at} overflows 64 bits");
                    }

                    return value;
                }
            }

            throw Error($"varint at offset {at} is longer than 10 bytes");
        }

        private readonly void Expect(int field, int actual, int expected)
        {
            if (actual != expected)
            {
                throw Error($"field {field} has wire type {actual}, expected {expected}, before offset {_position}");
            }
        }

        private static string Describe(int? field) => field is { } f ? $"field {f}" : "an unknown field";

        private readonly FormatException Error(string detail) => new($"{message}: {detail}");
    }
}
