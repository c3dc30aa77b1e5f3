using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Catalog;

/// <summary>Registers the service catalog of a service that needs one.</summary>
public static class CatalogExtensions
{
    /// <summary>The setting naming the catalog file (environment <c>Catalog__Path</c>).</summary>
    public const string PathSetting = "Catalog:Path";

    /// <summary>The catalog file read when <see cref="PathSetting"/> is not set.</summary>
    public const string DefaultPath = "deploy/services.yaml";

    /// <summary>
    /// Registers the <see cref="ServiceCatalog"/>, loaded while the host starts (a broken file stops the service with every
    /// problem): the file <see cref="PathSetting"/> names (which must exist), else <see cref="DefaultPath"/> when it exists,
    /// else the built-in default entry alone. Relative paths are resolved as <see cref="RepositoryFiles.Resolve"/> says.
    /// </summary>
    public static IHostApplicationBuilder AddServiceCatalog(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ServiceCatalog)))
        {
            return builder;
        }

        builder.Services.AddSingletonLoadedAtStart(sp => LoadCatalog(
            sp.GetRequiredService<IConfiguration>()[PathSetting],
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServiceCatalog).FullName!)));
        return builder;
    }

    /// <summary>
    /// The catalog at <paramref name="configuredPath"/> (a configured file that does not exist throws
    /// <see cref="CatalogConfigurationException"/>); when none is configured, the one at <paramref name="defaultPath"/>,
    /// or <see cref="ServiceCatalog.BuiltIn"/> (logged) when that file does not exist.
    /// </summary>
    public static ServiceCatalog LoadCatalog(string? configuredPath, ILogger logger, string defaultPath = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ServiceCatalog catalog;
        if (string.IsNullOrWhiteSpace(configuredPath))
        {
            var path = RepositoryFiles.Resolve(defaultPath);
            if (!File.Exists(path))
            {
                CatalogLog.BuiltInDefault(logger, path);
                return ServiceCatalog.BuiltIn;
            }

            catalog = ServiceCatalog.Load(path);
        }
        else
        {
            var path = RepositoryFiles.Resolve(configuredPath);
            if (!File.Exists(path))
            {
                throw new CatalogConfigurationException(
                    $"Service catalog '{path}' does not exist (the setting Catalog__Path names it: '{configuredPath}').");
            }

            catalog = ServiceCatalog.Load(path);
        }

        CatalogLog.Loaded(logger, catalog.Origin, catalog.Services.Count, ReferenceEquals(catalog.DefaultEntry, ServiceCatalog.BuiltIn.DefaultEntry) ? "built-in" : "from the file");
        return catalog;
    }
}
