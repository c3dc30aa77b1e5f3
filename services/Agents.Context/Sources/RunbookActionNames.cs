using Agents.Hosting;
using YamlDotNet.RepresentationModel;

namespace Agents.Context.Sources;

/// <summary>
/// The ids of the runbook catalog's actions (<c>Context__RunbookPath</c>, default <c>deploy/runbooks.yaml</c>, the file the
/// remediation service acts from), so that a past incident resolved "by rollback" can be recognised as resolved by a
/// catalog action. Only the ids are read here; the remediation service validates the catalog. A missing or unreadable
/// file gives no names (logged): past incidents are then listed without an action.
/// </summary>
public sealed class RunbookActionNames
{
    public RunbookActionNames(IReadOnlyCollection<string> names) => Names = names;

    public IReadOnlyCollection<string> Names { get; }

    public static RunbookActionNames Load(string path, ILogger logger)
    {
        var resolved = RepositoryFiles.Resolve(path);
        try
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(resolved))
            {
                yaml.Load(reader);
            }

            var names = yaml.Documents.Count > 0
                && yaml.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("actions"), out var actions)
                && actions is YamlSequenceNode list
                    ? list.Children.OfType<YamlMappingNode>()
                        .Select(a => a.Children.TryGetValue(new YamlScalarNode("id"), out var id) ? (id as YamlScalarNode)?.Value : null)
                        .OfType<string>()
                        .Where(id => id.Length > 0)
                        .Distinct(StringComparer.Ordinal)
                        .ToList()
                    : [];
            logger.LogInformation("Runbook actions known to the context agent from {Path}: {Actions}", resolved, string.Join(", ", names));
            return new RunbookActionNames(names);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            logger.LogWarning("Runbook catalog {Path} could not be read ({Reason}): past incidents are listed without the action that resolved them", resolved, ex.Message);
            return new RunbookActionNames([]);
        }
    }
}
