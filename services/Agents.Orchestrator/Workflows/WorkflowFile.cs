using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// The workflow YAML file read into YAML's representation model (which keeps the order of every mapping and the
/// place of every node), before validation: its top-level sections.
/// </summary>
internal sealed class WorkflowFile
{
    public static IReadOnlyList<string> Keys { get; } = ["routing", "workflows", "deliberations"];

    private WorkflowFile(WorkflowYamlSection? root) => Root = root;

    /// <summary>The file's mapping; null for a file with nothing in it, or whose top level is not a mapping (reported).</summary>
    public WorkflowYamlSection? Root { get; }

    /// <summary>Reads the text; broken YAML or a second document throws at once, anything else is left to the validation.</summary>
    public static WorkflowFile Read(string yaml, string origin, WorkflowYamlErrors errors)
    {
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode.Start;
                throw new WorkflowConfigurationException(
                    $"Workflow file '{origin}' is invalid: line {second.Line}, column {second.Column}: a second YAML document; the workflow file is one document");
            }

            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' is not valid YAML: line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message}");
        }

        return new WorkflowFile(root is null || WorkflowYamlSection.IsNullNode(root) ? null : WorkflowYamlSection.Read(errors, root, "", Keys));
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}
