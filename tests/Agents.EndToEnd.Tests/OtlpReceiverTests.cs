using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Agents.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The test OTLP receiver against the real OpenTelemetry .NET OTLP exporter (in-process), and against hand-made bodies.
/// Needs no RabbitMQ or PostgreSQL.
/// </summary>
public sealed class OtlpReceiverTests(ITestOutputHelper output)
{
    private const string SourceName = "otlp-receiver-test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Spans_from_the_OpenTelemetry_exporter_round_trip_every_field()
    {
        await using var receiver = await OtlpReceiver.Start();
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", receiver.Endpoint);

        using var source = new ActivitySource(SourceName);
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .ConfigureResource(r => r.AddService("receiver-test", serviceInstanceId: "x1"))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(receiver.Endpoint + OtlpReceiver.TracesPath);
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();

        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var before = DateTimeOffset.UtcNow;
        string parentTraceId, parentSpanId, childSpanId;
        using (var parent = source.StartActivity("parent-op", ActivityKind.Server))
        {
            Assert.NotNull(parent);
            parent.SetTag("text", "hello wörld");
            parent.SetTag("count", 42);
            parent.SetTag("big", 9_000_000_000L);
            parent.SetTag("flag", true);
            parent.SetTag("ratio", 3.25);
            parent.SetTag("names", new[] { "a", "b", "c" });
            parent.SetTag("numbers", new long[] { 1, -2, 3 });
            parent.SetStatus(ActivityStatusCode.Ok);
            parentTraceId = parent.TraceId.ToHexString();
            parentSpanId = parent.SpanId.ToHexString();

            using var child = source.StartActivity("child-op", ActivityKind.Client, parent.Context, links: [new ActivityLink(linked)]);
            Assert.NotNull(child);
            child.SetTag("flag", false);
            child.AddEvent(new ActivityEvent("something-happened"));
            child.AddEvent(new ActivityEvent("then-this"));
            child.SetStatus(ActivityStatusCode.Error, "it broke");
            childSpanId = child.SpanId.ToHexString();
        }

        Assert.True(tracing.ForceFlush(5_000), "the tracer provider did not flush within 5 s");
        var after = DateTimeOffset.UtcNow;

        var spans = await receiver.WaitFor(s => s.Count >= 2, Patience);
        foreach (var request in receiver.Requests)
        {
            output.WriteLine(request.ToString());
        }

        Assert.Equal(2, spans.Count);
        var parentSpan = Assert.Single(spans, s => s.Name == "parent-op");
        var childSpan = Assert.Single(spans, s => s.Name == "child-op");

        // Identity and parentage.
        Assert.Equal(parentTraceId, parentSpan.TraceId);
        Assert.Equal(parentSpanId, parentSpan.SpanId);
        Assert.Matches("^[0-9a-f]{32}$", parentSpan.TraceId);
        Assert.Matches("^[0-9a-f]{16}$", parentSpan.SpanId);
        Assert.Null(parentSpan.ParentSpanId);
        Assert.Equal(parentSpan.TraceId, childSpan.TraceId);
        Assert.Equal(childSpanId, childSpan.SpanId);
        Assert.Equal(parentSpan.SpanId, childSpan.ParentSpanId);

        // Kinds (OTLP: server 2, client 3) and statuses (ok 1, error 2).
        Assert.Equal(2, parentSpan.Kind);
        Assert.Equal(3, childSpan.Kind);
        Assert.Equal(1, parentSpan.StatusCode);
        Assert.Null(parentSpan.StatusMessage);
        Assert.Equal(2, childSpan.StatusCode);
        Assert.Equal("it broke", childSpan.StatusMessage);

        // Attribute values and their types.
        Assert.Equal("hello wörld", Assert.IsType<string>(parentSpan.Attributes["text"]));
        Assert.Equal(42L, Assert.IsType<long>(parentSpan.Attributes["count"]));
        Assert.Equal(9_000_000_000L, Assert.IsType<long>(parentSpan.Attributes["big"]));
        Assert.True(Assert.IsType<bool>(parentSpan.Attributes["flag"]));
        Assert.Equal(3.25, Assert.IsType<double>(parentSpan.Attributes["ratio"]));
        Assert.Equal(new object?[] { "a", "b", "c" }, Assert.IsType<object?[]>(parentSpan.Attributes["names"]));
        Assert.Equal(new object?[] { 1L, -2L, 3L }, Assert.IsType<object?[]>(parentSpan.Attributes["numbers"]));
        Assert.Equal("42", parentSpan.Tag("count"));
        Assert.Equal("true", parentSpan.Tag("flag"));
        Assert.Equal("3.25", parentSpan.Tag("ratio"));
        Assert.Equal("a,b,c", parentSpan.Tag("names"));
        Assert.Null(parentSpan.Tag("missing"));
        Assert.False(Assert.IsType<bool>(childSpan.Attributes["flag"]));
        Assert.Equal("false", childSpan.Tag("flag"));

        // Events and links.
        Assert.Empty(parentSpan.Events);
        Assert.Equal(["something-happened", "then-this"], childSpan.Events);
        Assert.Empty(parentSpan.Links);
        var link = Assert.Single(childSpan.Links);
        Assert.Equal(new ReceivedSpanLink(linked.TraceId.ToHexString(), linked.SpanId.ToHexString()), link);

        // Resource and scope.
        foreach (var span in spans)
        {
            Assert.Equal("receiver-test", span.ServiceName);
            Assert.Equal("receiver-test", span.Resource["service.name"]);
            Assert.Equal("x1", span.Resource["service.instance.id"]);
            Assert.Equal("dotnet", span.Resource["telemetry.sdk.language"]);
            Assert.Equal(SourceName, span.Scope);
        }

        // Timestamps: now, and in order.
        var slack = TimeSpan.FromSeconds(1);
        foreach (var span in spans)
        {
            Assert.InRange(span.Start, before - slack, after + slack);
            Assert.InRange(span.End, span.Start, after + slack);
        }

        Assert.InRange(childSpan.Start, parentSpan.Start, parentSpan.End);
        Assert.InRange(childSpan.End, childSpan.Start, parentSpan.End);

        // What went over the wire.
        Assert.True(receiver.RequestCounts.GetValueOrDefault(OtlpReceiver.TracesPath) >= 1);
        Assert.All(receiver.Requests, r =>
        {
            Assert.Equal(OtlpReceiver.TracesPath, r.Path);
            Assert.Equal(200, r.StatusCode);
            Assert.Null(r.Error);
        });
        Assert.Null(receiver.LastError);
    }

    [Fact]
    public async Task A_body_that_is_not_protobuf_is_refused_and_the_timeout_message_says_why()
    {
        await using var receiver = await OtlpReceiver.Start();
        using var http = new HttpClient();

        // Field 1, length-delimited, declaring 2^32 - 1 bytes of which there are none.
        using var garbage = new ByteArrayContent([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await http.PostAsync(receiver.Endpoint + OtlpReceiver.TracesPath, garbage);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("4294967295 bytes", await response.Content.ReadAsStringAsync());
        var error = receiver.LastError;
        Assert.NotNull(error);
        Assert.Contains("ExportTraceServiceRequest: field 1 at offset 1 declares 4294967295 bytes", error);
        Assert.Empty(receiver.Spans);
        Assert.Equal(1, receiver.RequestCounts[OtlpReceiver.TracesPath]);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => receiver.WaitFor(s => s.Any(x => x.Name == "never"), TimeSpan.FromMilliseconds(200)));
        output.WriteLine(timeout.Message);
        Assert.Contains(error, timeout.Message);
        Assert.Contains("0 span(s) arrived", timeout.Message);
        Assert.Contains("/v1/traces=1", timeout.Message);
        Assert.Contains("x.Name == \"never\"", timeout.Message);
    }

    [Fact]
    public async Task A_gzip_body_with_unknown_fields_is_decoded_and_metrics_and_logs_are_acknowledged()
    {
        await using var receiver = await OtlpReceiver.Start();
        using var http = new HttpClient();
        var traceId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var spanId = Enumerable.Range(0xA0, 8).Select(i => (byte)i).ToArray();
        var start = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567);

        var nested = Message(
            Field(1, Message(Field(1, Text("k")), Field(2, Message(Field(3, Varint(7)))))));
        var span = Message(
            Field(99, Varint(12345)), // unknown varint
            Field(1, traceId),
            Field(2, spanId),
            Field(5, Text("hand-made")),
            Field(16, Fixed32(1)), // flags: a 32-bit field this receiver skips
            Field(6, Varint(5)),
            Field(7, Fixed64((ulong)(start - DateTimeOffset.UnixEpoch).Ticks * 100)),
            Field(8, Fixed64((ulong)(start.AddMilliseconds(5) - DateTimeOffset.UnixEpoch).Ticks * 100)),
            Field(9, Message(Field(1, Text("neg")), Field(2, Message(Field(3, Varint(unchecked((ulong)-5L))))))),
            Field(9, Message(Field(1, Text("bytes")), Field(2, Message(Field(7, [0xDE, 0xAD]))))),
            Field(9, Message(Field(1, Text("map")), Field(2, Message(Field(6, nested))))),
            Field(9, Message(Field(1, Text("empty")), Field(2, Message()))),
            Field(98, Fixed64(0xFFFF_FFFF_FFFF_FFFF)), // unknown 64-bit
            Field(15, Message(Field(3, Varint(2)))));
        // The scope and the resource come after what they describe, which protobuf allows.
        var body = Message(Field(1, Message(
            Field(2, Message(Field(2, span), Field(1, Message(Field(1, Text("hand-scope")), Field(2, Text("1.0")))))),
            Field(1, Message(Field(1, Message(Field(1, Text("service.name")), Field(2, Message(Field(1, Text("gz-service")))))))),
            Field(3, Text("https://example.invalid/schema")))));

        using (var compressed = new MemoryStream())
        {
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync(body);
            }

            using var content = new ByteArrayContent(compressed.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            content.Headers.ContentEncoding.Add("gzip");
            using var response = await http.PostAsync(receiver.Endpoint + OtlpReceiver.TracesPath, content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        foreach (var path in new[] { OtlpReceiver.MetricsPath, OtlpReceiver.LogsPath })
        {
            using var content = new ByteArrayContent([0x0A, 0x00]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var response = await http.PostAsync(receiver.Endpoint + path, content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var received = await receiver.WaitForSpan(s => s.Name == "hand-made", Patience);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", received.TraceId);
        Assert.Equal("a0a1a2a3a4a5a6a7", received.SpanId);
        Assert.Null(received.ParentSpanId);
        Assert.Equal(5, received.Kind);
        Assert.Equal(start, received.Start);
        Assert.Equal(start.AddMilliseconds(5), received.End);
        Assert.Equal(-5L, received.Attributes["neg"]);
        Assert.Equal(new byte[] { 0xDE, 0xAD }, received.Attributes["bytes"]);
        Assert.Equal("dead", received.Tag("bytes"));
        var map = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(received.Attributes["map"]);
        Assert.Equal(7L, map["k"]);
        Assert.True(received.Attributes.ContainsKey("empty"));
        Assert.Null(received.Attributes["empty"]);
        Assert.Equal("gz-service", received.ServiceName);
        Assert.Equal("hand-scope", received.Scope);
        Assert.Equal(2, received.StatusCode);
        Assert.Empty(received.Events);
        Assert.Empty(received.Links);

        Assert.Single(receiver.Spans);
        Assert.Equal(1, receiver.RequestCounts[OtlpReceiver.MetricsPath]);
        Assert.Equal(1, receiver.RequestCounts[OtlpReceiver.LogsPath]);
        Assert.Equal("gzip", receiver.Requests[0].ContentEncoding);
        Assert.Equal(body.Length, receiver.Requests[0].DecodedBodyLength);
        Assert.Null(receiver.LastError);
    }

    [Fact]
    public async Task A_json_body_is_refused_with_a_hint_about_the_protocol()
    {
        await using var receiver = await OtlpReceiver.Start();
        using var http = new HttpClient();
        using var json = new StringContent("{\"resourceSpans\":[]}", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(receiver.Endpoint + OtlpReceiver.TracesPath, json);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("http/protobuf", receiver.LastError);
    }

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    /// <summary>A field of the wire type its encoded value implies (see <see cref="Encoded"/>).</summary>
    private static byte[] Field(int number, Encoded value) =>
        [.. Varint(((ulong)number << 3) | (uint)value.WireType).Bytes, .. value.Bytes];

    /// <summary>A length-delimited field.</summary>
    private static byte[] Field(int number, byte[] value) =>
        [.. Varint(((ulong)number << 3) | 2).Bytes, .. Varint((ulong)value.Length).Bytes, .. value];

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    private static Encoded Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return new Encoded(0, [.. bytes]);
    }

    private static Encoded Fixed64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return new Encoded(1, bytes);
    }

    private static Encoded Fixed32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return new Encoded(5, bytes);
    }

    private sealed record Encoded(int WireType, byte[] Bytes);
}
