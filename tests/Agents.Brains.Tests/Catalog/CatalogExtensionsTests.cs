using Agents.Brains.Tests.Support;
using Agents.Hosting.Catalog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Agents.Brains.Tests.Catalog;

public sealed class CatalogExtensionsTests
{
    [Fact]
    public async Task Start_up_fails_when_the_configured_catalog_does_not_exist()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "missing.yaml");
        using var host = Host(missing);

        var error = await Assert.ThrowsAsync<CatalogConfigurationException>(() => host.StartAsync());

        Assert.Contains($"'{missing}' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Catalog__Path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_fails_with_every_problem_of_an_invalid_configured_catalog()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("services.yaml", "services:\n  - name: checkout\n    tier: gold\n  - team: x\n");
        using var host = Host(path);

        var error = await Assert.ThrowsAsync<CatalogConfigurationException>(() => host.StartAsync());

        Assert.Contains($"'{path}' is invalid (2 problems)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public async Task Configured_catalog_is_loaded_when_the_host_starts()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("services.yaml", "services:\n  - name: checkout\n    match:\n      - labels: { app: shop }\n");
        using var host = Host(path);

        await host.StartAsync();
        try
        {
            var catalog = Assert.Single(host.Services.GetServices<ServiceCatalog>());
            Assert.Equal(path, catalog.Origin);
            Assert.Equal("checkout", Assert.Single(catalog.Services).Name);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Without_a_setting_the_repositorys_catalog_is_read()
    {
        var logger = new ListLogger();

        var catalog = CatalogExtensions.LoadCatalog(null, logger);

        Assert.EndsWith(Path.Combine("deploy", "services.yaml"), catalog.Origin, StringComparison.Ordinal);
        Assert.NotEmpty(catalog.Services);
        Assert.Contains(logger.Lines, l => l.Contains(catalog.Origin, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_setting_or_a_default_file_the_built_in_default_is_used_and_said()
    {
        using var dir = new TempDirectory();
        var logger = new ListLogger();
        var defaultPath = Path.Combine(dir.Path, "services.yaml");

        var catalog = CatalogExtensions.LoadCatalog(" ", logger, defaultPath);

        Assert.Same(ServiceCatalog.BuiltIn, catalog);
        var line = Assert.Single(logger.Lines);
        Assert.Contains(defaultPath, line, StringComparison.Ordinal);
        Assert.Contains("built-in default entry", line, StringComparison.Ordinal);
    }

    private static IHost Host(string catalogPath)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Path"] = catalogPath });
        builder.AddServiceCatalog();
        builder.AddServiceCatalog(); // a second call (two libraries that both need it) registers nothing more
        return builder.Build();
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return _lines.ToList();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
