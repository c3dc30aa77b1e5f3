using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>The problems found while reading a workflow file, each with its place (<c>line L, column C: path: what</c>).</summary>
internal sealed class WorkflowYamlErrors
{
    private readonly List<(YamlNode Node, string Path, string Message)> _errors = [];

    public int Count => _errors.Count;

    public void Add(YamlNode node, string path, string message) => _errors.Add((node, path, message));

    /// <summary>Every problem as found: where, its path and what.</summary>
    public IReadOnlyList<(YamlNode Node, string Path, string Message)> Raw => _errors;

    /// <summary>Every problem with its place, in the order of their places in the file.</summary>
    public IReadOnlyList<string> InFileOrder() =>
        _errors.Select((e, order) => (e, order))
            .OrderBy(x => x.e.Node.Start.Line).ThenBy(x => x.e.Node.Start.Column).ThenBy(x => x.order)
            .Select(x => $"line {x.e.Node.Start.Line}, column {x.e.Node.Start.Column}: {Describe(x.e.Path, x.e.Message)}")
            .ToList();

    /// <summary>Every problem without its place (<c>path: what</c>), in the order found.</summary>
    public IReadOnlyList<string> WithoutPlaces() => _errors.Select(e => Describe(e.Path, e.Message)).ToList();

    /// <summary>A <see cref="WorkflowConfigurationException"/> with <paramref name="heading"/> and every problem, one a line.</summary>
    public WorkflowConfigurationException Exception(string heading)
    {
        var list = InFileOrder();
        return new WorkflowConfigurationException(
            $"{heading} ({list.Count} {(list.Count == 1 ? "problem" : "problems")}):{Environment.NewLine}  - "
            + string.Join($"{Environment.NewLine}  - ", list));
    }

    private static string Describe(string path, string message) => path.Length == 0 ? message : $"{path}: {message}";
}
