using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local Amazon CloudWatch endpoint for <c>GetMetricData</c> over the AWS query protocol (form POST to <c>/</c>, XML
/// answers). It verifies every request's Signature Version 4 itself, from the AWS documentation (canonical request,
/// string to sign, HMAC key chain), against one known key pair and <see cref="Region"/> for service <c>monitoring</c>: a
/// signature that does not match, or whose <c>X-Amz-Date</c> is more than 5 minutes from its clock, is refused with 403 and
/// CloudWatch's error XML (<c>SignatureDoesNotMatch</c>); an unknown key or a wrong session token with
/// <c>InvalidClientTokenId</c>. Parameters are checked as the API reference says (400 <c>InvalidParameterValue</c>,
/// <c>MissingParameter</c>, <c>InvalidNextToken</c>...). Data points come from <see cref="Add"/>; the expression
/// <c>a/b</c> over two query ids is computed; answers are paged by <see cref="PageSize"/> points per result with
/// <c>NextToken</c>. <see cref="Responder"/> can replace the answer to a correctly signed request (an error, a delay, a
/// malformed body). Compiled into each test project that needs it.
/// </summary>
internal sealed partial class FakeCloudWatch : IAsyncDisposable
{
    /// <summary>The key pair of the AWS documentation's examples; the only one this endpoint knows.</summary>
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    private static readonly string[] Statistics = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, List<(DateTimeOffset At, double Value)>> _data = new(StringComparer.Ordinal);
    private int _verified;

    private FakeCloudWatch(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The region requests must be signed for. Default <c>eu-west-1</c>.</summary>
    public string Region { get; set; } = "eu-west-1";

    /// <summary>When set, requests must carry this session token in <c>X-Amz-Security-Token</c> (and sign it); when null, none.</summary>
    public string? SessionToken { get; set; }

    /// <summary>The endpoint's clock, against which <c>X-Amz-Date</c> must be within 5 minutes.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Data points per result per page; more make a <c>NextToken</c>. Default 1000.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>Every request received, in order (signature valid or not).</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>How many requests carried a valid signature.</summary>
    public int VerifiedSignatures => _verified;

    /// <summary>Answers a correctly signed request in place of the endpoint (an error, a delay...), or null to answer normally.</summary>
    public Func<Request, Reply?>? Responder { get; set; }

    /// <summary>One received request: its form parameters and headers (names lower-case).</summary>
    public sealed record Request(IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, string> Headers);

    /// <summary>A reply: status, body and an optional delay before it.</summary>
    public sealed record Reply(HttpStatusCode Status, string Body, TimeSpan Delay = default);

    public static async Task<FakeCloudWatch> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeCloudWatch(app);
        app.MapPost("/", fake.Handle);
        await app.StartAsync();
        fake.Endpoint = new Uri(app.Urls.Single());
        return fake;
    }

    /// <summary>Data points of one metric statistic (namespace, name, dimensions, statistic), at whatever period is asked.</summary>
    public void Add(string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions, string stat, IEnumerable<(DateTimeOffset At, double Value)> points) =>
        _data[Key(metricNamespace, metricName, dimensions, stat)] = points.OrderBy(p => p.At).ToList();

    /// <summary>An error as CloudWatch's query protocol writes it (<c>ErrorResponse</c>).</summary>
    public static Reply Error(HttpStatusCode status, string code, string message, string type = "Sender") =>
        new(status, new XDocument(new XElement(
            XName.Get("ErrorResponse", Namespace),
            new XElement(XName.Get("Error", Namespace),
                new XElement(XName.Get("Type", Namespace), type),
                new XElement(XName.Get("Code", Namespace), code),
                new XElement(XName.Get("Message", Namespace), message)),
            new XElement(XName.Get("RequestId", Namespace), Guid.NewGuid().ToString()))).ToString());

    private async Task Handle(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var parameters = ParseForm(Encoding.UTF8.GetString(body));
        var request = new Request(parameters, headers);
        Requests.Enqueue(request);

        var reply = Authenticate(http.Request, headers, body);
        if (reply is null)
        {
            Interlocked.Increment(ref _verified);
            reply = Responder?.Invoke(request) ?? Answer(headers, parameters);
        }

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        http.Response.StatusCode = (int)reply.Status;
        http.Response.ContentType = "text/xml";
        await http.Response.WriteAsync(reply.Body);
    }

    private Reply? Authenticate(HttpRequest http, Dictionary<string, string> headers, byte[] body)
    {
        if (!headers.TryGetValue("authorization", out var authorization) || !authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return Error(HttpStatusCode.Forbidden, "MissingAuthenticationToken", "Request is missing Authentication Token");
        }

        var fields = authorization["AWS4-HMAC-SHA256 ".Length..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaderList) || !fields.TryGetValue("Signature", out var signature))
        {
            return Error(HttpStatusCode.BadRequest, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[0] != AccessKeyId)
        {
            return Error(HttpStatusCode.Forbidden, "InvalidClientTokenId", "The security token included in the request is invalid.");
        }

        if (!headers.TryGetValue("x-amz-date", out var amzDate)
            || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return Error(HttpStatusCode.BadRequest, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        var (date, region, service, terminator) = (scope[1], scope[2], scope[3], scope[4]);
        if (date != amzDate[..8] || region != Region || service != "monitoring" || terminator != "aws4_request")
        {
            return Error(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", $"Credential should be scoped to a valid region, service and date: {date}/{region}/{service}/{terminator}.");
        }

        var now = Clock.GetUtcNow();
        if ((now - signedAt).Duration() > TimeSpan.FromMinutes(5))
        {
            var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var earliest = now.AddMinutes(-5).UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            return Error(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", $"Signature expired: {amzDate} is now earlier than {earliest} ({stamp} - 5 min.)");
        }

        var signedHeaders = signedHeaderList.Split(';');
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date") || !signedHeaders.SequenceEqual(signedHeaders.Order(StringComparer.Ordinal)))
        {
            return Error(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "The request signature must cover the host and x-amz-date headers, in order.");
        }

        headers.TryGetValue("x-amz-security-token", out var token);
        if (token != SessionToken || (token is not null && !signedHeaders.Contains("x-amz-security-token")))
        {
            return Error(HttpStatusCode.Forbidden, "InvalidClientTokenId", "The security token included in the request is invalid.");
        }

        var payloadHash = Hex(SHA256.HashData(body));
        if (headers.TryGetValue("x-amz-content-sha256", out var claimedHash) && claimedHash != payloadHash)
        {
            return Error(HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var canonical = new StringBuilder()
            .Append(http.Method).Append('\n')
            .Append(CanonicalPath(http.Path.Value)).Append('\n')
            .Append(CanonicalQuery(http.QueryString.Value)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var value = headers.TryGetValue(name, out var v) ? Spaces().Replace(v.Trim(), " ") : string.Empty;
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaderList).Append('\n').Append(payloadHash);
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/{region}/{service}/aws4_request\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? null
            : Error(
                HttpStatusCode.Forbidden,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }

    private Reply Answer(Dictionary<string, string> headers, Dictionary<string, string> p)
    {
        if (!headers.TryGetValue("content-type", out var contentType) || !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", "The request must be form-urlencoded (AWS query protocol).");
        }

        if (p.GetValueOrDefault("Action") != "GetMetricData")
        {
            return Error(HttpStatusCode.BadRequest, "InvalidAction", $"The action {p.GetValueOrDefault("Action")} is not valid for this web service.");
        }

        if (p.GetValueOrDefault("Version") != "2010-08-01")
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"Unsupported Version: {p.GetValueOrDefault("Version")}");
        }

        foreach (var required in new[] { "StartTime", "EndTime" })
        {
            if (!p.ContainsKey(required))
            {
                return Error(HttpStatusCode.BadRequest, "MissingParameter", $"The parameter {required} is required.");
            }
        }

        if (!DateTimeOffset.TryParse(p["StartTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start)
            || !DateTimeOffset.TryParse(p["EndTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var end))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", "StartTime and EndTime must be ISO 8601 timestamps.");
        }

        if (start >= end)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.");
        }

        var scanBy = p.GetValueOrDefault("ScanBy", "TimestampDescending");
        if (scanBy is not ("TimestampDescending" or "TimestampAscending"))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"The value {scanBy} for parameter ScanBy is invalid.");
        }

        var page = 0;
        if (p.TryGetValue("NextToken", out var nextToken) && (!nextToken.StartsWith("page:", StringComparison.Ordinal) || !int.TryParse(nextToken[5..], CultureInfo.InvariantCulture, out page)))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidNextToken", "The service couldn't process your request because the NextToken is invalid.");
        }

        var members = p.Keys
            .Select(k => MemberIndex().Match(k))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct()
            .Order()
            .ToList();
        if (members.Count == 0)
        {
            return Error(HttpStatusCode.BadRequest, "MissingParameter", "The parameter MetricDataQueries is required.");
        }

        if (members.Count > 500 || members[^1] != members.Count)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", "MetricDataQueries must be numbered 1..N, at most 500.");
        }

        var series = new Dictionary<string, List<(DateTimeOffset At, double Value)>>(StringComparer.Ordinal);
        var returned = new List<(string Id, string Label)>();
        foreach (var n in members)
        {
            var prefix = $"MetricDataQueries.member.{n}.";
            string? Get(string name) => p.GetValueOrDefault(prefix + name);
            var id = Get("Id");
            if (id is null || !QueryId().IsMatch(id) || series.ContainsKey(id))
            {
                return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"The value {id} for parameter {prefix}Id is invalid.");
            }

            var returnData = Get("ReturnData") ?? "true";
            if (returnData is not ("true" or "false"))
            {
                return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"The value {returnData} for parameter {prefix}ReturnData is invalid.");
            }

            var expression = Get("Expression");
            var metricName = Get("MetricStat.Metric.MetricName");
            if ((expression is null) == (metricName is null))
            {
                return Error(HttpStatusCode.BadRequest, "InvalidParameterCombination", $"Exactly one of Expression and MetricStat must be given in {prefix[..^1]}.");
            }

            List<(DateTimeOffset At, double Value)> points;
            if (expression is not null)
            {
                var division = Division().Match(expression);
                var filled = division.Groups["filled"].Success;
                var dividend = filled ? division.Groups["filled"].Value : division.Groups["plain"].Value;
                if (!division.Success || !series.TryGetValue(dividend, out var a) || !series.TryGetValue(division.Groups["divisor"].Value, out var b))
                {
                    return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"{prefix}Expression: this fake computes only a/b or FILL(a, 0)/b over earlier query ids, not '{expression}'.");
                }

                // FILL(a, 0): a period where a has no datapoint counts as 0 (here: at every period b has one).
                var dividends = a.ToDictionary(x => x.At, x => x.Value);
                points = b.Where(x => x.Value != 0 && (filled || dividends.ContainsKey(x.At)))
                    .Select(x => (x.At, dividends.GetValueOrDefault(x.At) / x.Value))
                    .ToList();
            }
            else
            {
                var metricNamespace = Get("MetricStat.Metric.Namespace");
                var stat = Get("MetricStat.Stat");
                var period = Get("MetricStat.Period");
                if (metricNamespace is null || stat is null || period is null)
                {
                    return Error(HttpStatusCode.BadRequest, "MissingParameter", $"{prefix}MetricStat requires Metric.Namespace, Period and Stat.");
                }

                if (!Statistics.Contains(stat) && !Percentile().IsMatch(stat))
                {
                    return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"The value {stat} for parameter {prefix}MetricStat.Stat is invalid.");
                }

                if (!int.TryParse(period, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || (seconds % 60 != 0 && seconds is not (1 or 5 or 10 or 30)))
                {
                    return Error(HttpStatusCode.BadRequest, "InvalidParameterValue", $"The value {period} for parameter {prefix}MetricStat.Period is invalid.");
                }

                var dimensions = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var d = 1; p.ContainsKey($"{prefix}MetricStat.Metric.Dimensions.member.{d}.Name"); d++)
                {
                    var value = Get($"MetricStat.Metric.Dimensions.member.{d}.Value");
                    if (value is null)
                    {
                        return Error(HttpStatusCode.BadRequest, "MissingParameter", $"{prefix}MetricStat.Metric.Dimensions.member.{d}.Value is required.");
                    }

                    dimensions[Get($"MetricStat.Metric.Dimensions.member.{d}.Name")!] = value;
                }

                points = _data.TryGetValue(Key(metricNamespace, metricName!, dimensions, stat), out var stored)
                    ? stored.Where(x => x.At >= start && x.At < end).ToList()
                    : [];
            }

            series[id] = points;
            if (returnData == "true")
            {
                returned.Add((id, Get("Label") ?? metricName ?? id));
            }
        }

        if (returned.Count == 0)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidParameterCombination", "At least one MetricDataQuery must have ReturnData true.");
        }

        XName N(string name) => XName.Get(name, Namespace);
        var more = false;
        var results = new XElement(N("MetricDataResults"));
        foreach (var (id, label) in returned)
        {
            var ordered = scanBy == "TimestampAscending" ? series[id].OrderBy(x => x.At) : series[id].OrderByDescending(x => x.At);
            var all = ordered.ToList();
            var slice = all.Skip(page * PageSize).Take(PageSize).ToList();
            var partial = all.Count > (page + 1) * PageSize;
            more |= partial;
            results.Add(new XElement(
                N("member"),
                new XElement(N("Id"), id),
                new XElement(N("Label"), label),
                new XElement(N("Timestamps"), slice.Select(x => new XElement(N("member"), x.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))),
                new XElement(N("Values"), slice.Select(x => new XElement(N("member"), x.Value.ToString("R", CultureInfo.InvariantCulture)))),
                new XElement(N("StatusCode"), partial ? "PartialData" : "Complete")));
        }

        var result = new XElement(N("GetMetricDataResult"), results, new XElement(N("Messages")));
        if (more)
        {
            result.Add(new XElement(N("NextToken"), $"page:{page + 1}"));
        }

        return new Reply(HttpStatusCode.OK, new XDocument(new XElement(
            N("GetMetricDataResponse"),
            result,
            new XElement(N("ResponseMetadata"), new XElement(N("RequestId"), Guid.NewGuid().ToString())))).ToString());
    }

    private static Dictionary<string, string> ParseForm(string body)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            form[Decode(parts[0])] = parts.Length == 2 ? Decode(parts[1]) : string.Empty;
        }

        return form;

        static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    private static string CanonicalPath(string? path) =>
        string.IsNullOrEmpty(path) ? "/" : string.Join('/', path.Split('/').Select(s => Uri.EscapeDataString(Uri.UnescapeDataString(s))));

    private static string CanonicalQuery(string? query) =>
        string.IsNullOrEmpty(query) || query == "?"
            ? string.Empty
            : string.Join('&', ParseForm(query.TrimStart('?'))
                .Select(kv => (Key: Uri.EscapeDataString(kv.Key), Value: Uri.EscapeDataString(kv.Value)))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .ThenBy(kv => kv.Value, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}={kv.Value}"));

    private static string Key(string metricNamespace, string metricName, IReadOnlyDictionary<string, string> dimensions, string stat) =>
        $"{metricNamespace}|{metricName}|{string.Join(",", dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"))}|{stat}";

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^MetricDataQueries\.member\.(\d+)\.")]
    private static partial Regex MemberIndex();

    [GeneratedRegex("^[a-z][a-zA-Z0-9_]*$")]
    private static partial Regex QueryId();

    [GeneratedRegex(@"^\s*(?:FILL\(\s*(?<filled>[a-z][a-zA-Z0-9_]*)\s*,\s*0\s*\)|(?<plain>[a-z][a-zA-Z0-9_]*))\s*/\s*(?<divisor>[a-z][a-zA-Z0-9_]*)\s*$")]
    private static partial Regex Division();

    [GeneratedRegex(@"^(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?$|^p100$")]
    private static partial Regex Percentile();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
