using System.Globalization;

namespace Agents.Context.Bench;

/// <summary>
/// Made-up error log lines of a web service: thirteen kinds (logfmt, JSON, a .NET stack trace, a Go panic), each with
/// its variable parts (ids, addresses, durations, trace ids) different on every line, so that they group into about a
/// dozen patterns. Before the incident the background kinds dominate; from <c>surge</c> on, the kinds of a failing
/// dependency do, at a higher rate.
/// </summary>
internal static class LogLines
{
    private static readonly (double Before, double After, Func<Random, DateTimeOffset, string> Line)[] Kinds =
    [
        (2, 30, (r, _) => $"level=error msg=\"payment authorization failed\" order_id={r.Next(100_000, 999_999)} upstream={Ip(r)}:8443 status=503 duration_ms={r.Next(900, 5000)}"),
        (3, 25, (r, _) => $"level=error msg=\"upstream request timeout\" upstream=payments.payments.svc.cluster.local:8080 path=/v2/charges after={r.Next(2000, 5000)}ms trace_id={Hex(r, 32)}"),
        (2, 20, (r, at) => $"{{\"level\":\"error\",\"ts\":\"{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\",\"msg\":\"request failed\",\"method\":\"POST\",\"path\":\"/api/v1/orders\",\"status\":500,\"latency_ms\":{r.Next(5, 4000)},\"request_id\":\"{Uuid(r)}\"}}"),
        (2, 20, (r, _) => $"level=warn msg=\"retrying request\" attempt={r.Next(1, 4)} dependency=payments error=\"context deadline exceeded\""),
        (1, 8, (r, _) => $"level=error msg=\"circuit breaker open\" dependency=inventory consecutive_failures={r.Next(5, 60)} window=30s"),
        (1, 6, (r, _) => $"System.Net.Http.HttpRequestException: Connection refused ({Ip(r)}:5432)\n ---> System.Net.Sockets.SocketException (111): Connection refused\n   at System.Net.Sockets.Socket.AwaitableSocketAsyncEventArgs.ThrowException(SocketError error, CancellationToken cancellationToken)\n   at Npgsql.Internal.NpgsqlConnector.ConnectAsync(NpgsqlTimeout timeout, CancellationToken cancellationToken)"),
        (4, 6, (r, _) => $"level=error msg=\"redis GET timeout\" key=session:{Hex(r, 16)} after={r.Next(100, 900)}ms pool_size=64"),
        (2, 5, (r, _) => $"level=error msg=\"failed to publish event\" topic=orders.created partition={r.Next(0, 24)} error=\"kafka: client has run out of available brokers\""),
        (5, 5, (r, _) => $"level=error msg=\"cart validation failed\" cart_id={Uuid(r)} reason=\"sku {r.Next(10_000, 99_999)} out of stock\""),
        (0.2, 2, (r, _) => $"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x{Hex(r, 6)} pc=0x{Hex(r, 7)}]\n\ngoroutine {r.Next(1, 5000)} [running]:\nmain.(*Handler).ServeHTTP(0xc000{Hex(r, 6)}, {{0x{Hex(r, 7)}, 0xc000{Hex(r, 6)}}})"),
        (3, 3, (r, _) => $"level=error msg=\"TLS handshake error\" remote={Ip(r)}:{r.Next(30_000, 60_000)} error=\"EOF\""),
        (1, 4, (r, _) => $"level=error msg=\"rate limited by upstream\" dependency=fraud-check retry_after={r.Next(1, 30)}s"),
        (1, 3, (r, _) => $"level=error msg=\"GC pause exceeded budget\" pause_ms={r.Next(50, 900)} heap_mb={r.Next(400, 2000)}"),
    ];

    /// <summary>
    /// <paramref name="count"/> lines between <paramref name="from"/> and <paramref name="to"/>, two thirds of them from
    /// <paramref name="surge"/> on, oldest first.
    /// </summary>
    public static IReadOnlyList<(DateTimeOffset At, string Line)> Generate(DateTimeOffset from, DateTimeOffset to, DateTimeOffset surge, int count, int seed)
    {
        var random = new Random(seed);
        var lines = new List<(DateTimeOffset, string)>(count);
        for (var i = 0; i < count; i++)
        {
            var after = random.NextDouble() < 2.0 / 3;
            var (start, end) = after ? (surge, to) : (from, surge);
            var at = start + ((end - start) * random.NextDouble());
            var kind = Pick(random, after);
            lines.Add((at, Kinds[kind].Line(random, at)));
        }

        return lines.OrderBy(l => l.Item1).ToList();
    }

    private static int Pick(Random random, bool after)
    {
        var total = Kinds.Sum(k => after ? k.After : k.Before);
        var x = random.NextDouble() * total;
        for (var i = 0; i < Kinds.Length; i++)
        {
            x -= after ? Kinds[i].After : Kinds[i].Before;
            if (x < 0)
            {
                return i;
            }
        }

        return Kinds.Length - 1;
    }

    private static string Ip(Random r) => $"10.{r.Next(0, 255)}.{r.Next(0, 255)}.{r.Next(1, 255)}";

    private static Guid Uuid(Random r)
    {
        var bytes = new byte[16];
        r.NextBytes(bytes);
        return new Guid(bytes);
    }

    private static string Hex(Random r, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdef"[r.Next(16)]));
}
