using Agents.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>The wiring every service shares: listening address, telemetry, health, validated options.</summary>
public static class HostingExtensions
{
    public const string ReadyPath = "/health/ready";
    public const string LivePath = "/health/live";
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Sets up a service named <paramref name="serviceName"/>: listens on <paramref name="defaultUrl"/> unless
    /// <c>ASPNETCORE_URLS</c> or <c>--urls</c> say otherwise, OpenTelemetry (traces of MassTransit, Quartz,
    /// ASP.NET Core, HttpClient, Npgsql and the project's own source; metrics for Prometheus on <c>/metrics</c>;
    /// OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, configured by the standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables), health checks.
    /// </summary>
    /// <param name="traceSql">
    /// Whether Npgsql's spans are recorded; the scheduler leaves them out, since Quartz's own spans
    /// (<c>Quartz.JobStore.*</c>) name each store operation and its SQL under them would outnumber the rest of an
    /// incident's trace.
    /// </param>
    public static WebApplicationBuilder AddAgentsDefaults(this WebApplicationBuilder builder, string serviceName, string defaultUrl, bool traceSql = true)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(defaultUrl);
        }

        // Request-by-request and query-by-query framework logs drown the incidents' own lines; setting
        // Logging:LogLevel:<category> (e.g. Logging__LogLevel__Microsoft.EntityFrameworkCore=Information) brings them back.
        foreach (var chatty in new[] { "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore" })
        {
            if (builder.Configuration[$"Logging:LogLevel:{chatty}"] is null)
            {
                builder.Logging.AddFilter(chatty, LogLevel.Warning);
            }
        }

        // SIGTERM: the bus gets up to 30 s (MassTransitHostOptions.StopTimeout) to finish the messages in hand; the host
        // waits a little longer than that, and deployments give the process 45 s before SIGKILL.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(40));
        builder.Services.AddSingleton(AgentsConnections.From(builder.Configuration, builder.Environment.IsDevelopment()));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        ReadinessTelemetry.AddReadinessMetric(builder.Services);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] ?? serviceName,
                serviceVersion: typeof(HostingExtensions).Assembly.GetName().Version?.ToString(),
                serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}"))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new BackgroundClientSpansDropped()))
                .AddSource("MassTransit", "Quartz", AgentsTelemetry.Name, Agents.Hosting.Llm.LlmClients.ActivitySource)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsqlWhen(traceSql))
            .WithMetrics(metrics => metrics
                // Npgsql: the services' view of PostgreSQL (connections in use, command durations and failures), for the
                // platform dashboard (deploy/monitoring); its pool names carry no password.
                .AddMeter("MassTransit", AgentsTelemetry.Name, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/>, validated by data annotations at start-up.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section)
        where T : class =>
        builder.Services.AddOptions<T>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

    /// <summary>
    /// Registers a singleton built by <paramref name="factory"/> and builds it while the host starts, so that a
    /// broken file it loads (workflow, runbook catalog) stops the service at start-up with the file's errors
    /// instead of failing the first message.
    /// </summary>
    public static IServiceCollection AddSingletonLoadedAtStart<T>(this IServiceCollection services, Func<IServiceProvider, T> factory)
        where T : class
    {
        services.AddSingleton(factory);
        services.AddHostedService(sp => new LoadAtStart<T>(sp));
        return services;
    }

    /// <summary>Maps <c>/health/ready</c> (broker connected, checks tagged ready), <c>/health/live</c> and <c>/metrics</c> (Prometheus).</summary>
    public static WebApplication MapAgentsDefaults(this WebApplication app)
    {
        // The only endpoints anyone may call without a credential, on every service (the API requires one elsewhere).
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }

    private static TracerProviderBuilder AddNpgsqlWhen(this TracerProviderBuilder tracing, bool enabled) =>
        enabled ? tracing.AddNpgsql() : tracing;

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);
}

/// <summary>Resolves <typeparamref name="T"/> when the host starts; see <see cref="HostingExtensions.AddSingletonLoadedAtStart{T}"/>.</summary>
internal sealed class LoadAtStart<T>(IServiceProvider services) : IHostedService
    where T : class
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<T>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
