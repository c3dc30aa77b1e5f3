using Agents.Api.OperatorConsole.Pages;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Options;

namespace Agents.Api.OperatorConsole;

/// <summary>
/// The incidents list kept live by Server-Sent Events: each connected browser's stream asks the orchestrator (the same
/// <see cref="ListIncidents"/> query as <c>GET /incidents</c>) every <see cref="ConsoleOptions.LiveInterval"/> and
/// sends the table's rows, rendered by the same component as the page, only when they changed. At most
/// <see cref="ConsoleOptions.MaxLiveConnections"/> streams at once; more are answered 503 (the page still works, without updates).
/// </summary>
public sealed class LiveIncidents(IOptions<ConsoleOptions> options, IOptions<ApiOptions> api, TimeProvider clock, ILoggerFactory loggers)
{
    private int _connections;

    public int Connections => Volatile.Read(ref _connections);

    public async Task Stream(HttpContext http, IncidentFilter filter, IRequestClient<ListIncidents> client, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _connections) > options.Value.MaxLiveConnections)
        {
            Interlocked.Decrement(ref _connections);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = "30";
            return;
        }

        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            // Tells a buffering reverse proxy (nginx) to pass each event on at once.
            http.Response.Headers["X-Accel-Buffering"] = "no";
            // A browser reconnects this long after the stream broke.
            await http.Response.WriteAsync("retry: 5000\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            string? last = null;
            using var timer = new PeriodicTimer(options.Value.LiveInterval, clock);
            do
            {
                string rows;
                try
                {
                    var response = await client.GetResponse<IncidentList>(filter.Request, ct, api.Value.OrchestratorWait);
                    rows = await Rows(http.RequestServices, filter.Apply(response.Message.Items, clock.GetUtcNow()));
                }
                catch (RequestTimeoutException)
                {
                    await http.Response.WriteAsync("event: unavailable\ndata: the orchestrator did not answer in time\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    continue;
                }

                if (rows != last)
                {
                    last = rows;
                    await http.Response.WriteAsync(Event("incidents", rows), ct);
                    await http.Response.Body.FlushAsync(ct);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away.
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>The table rows of <paramref name="incidents"/>, as the incidents page renders them.</summary>
    public async Task<string> Rows(IServiceProvider services, IReadOnlyList<IncidentSummary> incidents)
    {
        await using var renderer = new HtmlRenderer(services, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<IncidentRows>(
                ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(IncidentRows.Incidents)] = incidents }));
            return output.ToHtmlString();
        });
    }

    /// <summary>One SSE event: every line of <paramref name="data"/> its own <c>data:</c> field.</summary>
    private static string Event(string name, string data) =>
        $"event: {name}\n{string.Join("\n", data.Split('\n').Select(l => $"data: {l.TrimEnd('\r')}"))}\n\n";
}
