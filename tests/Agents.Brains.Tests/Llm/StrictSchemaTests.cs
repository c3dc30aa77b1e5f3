using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Agents.Contracts.Investigation;
using Agents.Contracts.Triage;
using Agents.Hosting.Llm;
using Agents.Hosting.Participants;
using Agents.Notification.Brain;
using Agents.Remediation.Brain;
using Agents.Remediation.Runbooks;
using Agents.Testing;

namespace Agents.Brains.Tests.Llm;

/// <summary>
/// Structured output in strict mode: every type a brain asks the model for is sent with <c>"strict": true</c> and a
/// schema the service accepts in strict mode; and <see cref="StrictSchema.Problems"/> catches each strict rule.
/// </summary>
public sealed class StrictSchemaTests
{
    /// <summary>
    /// Every <c>T</c> of a <see cref="StructuredChat.AskAsync{T}"/> call in the services' code, read from their IL (async
    /// state machines included), so that a brain added later is checked without being listed here.
    /// </summary>
    private static HashSet<Type> AskedTypes()
    {
        var asked = new HashSet<Type>();
        var assemblies = Directory.GetFiles(AppContext.BaseDirectory, "Agents.*.dll").Select(Assembly.LoadFrom)
            .Where(a => a != typeof(StrictSchemaTests).Assembly);
        foreach (var type in assemblies.SelectMany(Types))
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
                for (var i = 0; i + 4 < il.Length; i++)
                {
                    // call or callvirt, then a MethodDef, MemberRef or MethodSpec token.
                    if (il[i] is 0x28 or 0x6F && il[i + 4] is 0x06 or 0x0A or 0x2B
                        && Resolve(type, method, BitConverter.ToInt32(il, i + 1)) is MethodInfo { Name: nameof(StructuredChat.AskAsync), IsGenericMethod: true } called
                        && called.DeclaringType == typeof(StructuredChat))
                    {
                        asked.Add(called.GetGenericArguments()[0]);
                    }
                }
            }
        }

        return asked;
    }

    private static IEnumerable<Type> Types(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    private static MethodBase? Resolve(Type type, MethodBase method, int token)
    {
        try
        {
            return type.Module.ResolveMethod(token, type.IsGenericType ? type.GetGenericArguments() : null,
                method.IsGenericMethod ? method.GetGenericArguments() : null);
        }
        catch (ArgumentException)
        {
            return null; // bytes that only looked like a call
        }
    }

    [Fact]
    public void The_brains_ask_for_every_result_type_and_the_remediation_plan_as_its_strict_answer()
    {
        var asked = AskedTypes();

        Assert.Subset(asked, new HashSet<Type> { typeof(TriageResult), typeof(Hypothesis), typeof(PlanAnswer), typeof(NotificationText), typeof(StanceDecision) });
        Assert.DoesNotContain(typeof(RemediationPlan), asked);
    }

    [Fact]
    public async Task Every_type_the_brains_ask_for_is_sent_with_strict_true_and_a_schema_valid_in_strict_mode()
    {
        var asked = AskedTypes();
        Assert.NotEmpty(asked);
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswer("{}");
        var chat = new StructuredChat(LlmClients.Create(new LlmOptions { Endpoint = fake.Endpoint, Deployment = "strict", ApiKey = "k", MaxRetries = 0 }));

        foreach (var type in asked)
        {
            var ask = typeof(StructuredChat).GetMethod(nameof(StructuredChat.AskAsync))!.MakeGenericMethod(type);
            await (Task)ask.Invoke(chat, ["Answer.", new List<PromptData> { new("alert", "x") }, CancellationToken.None])!;

            var format = fake.Requests.Last().Body["response_format"]!;
            Assert.Equal("json_schema", format["type"]!.GetValue<string>());
            Assert.Equal(type.Name, format["json_schema"]!["name"]!.GetValue<string>());
            Assert.True(format["json_schema"]!["strict"]!.GetValue<bool>(), $"{type.Name} is sent without strict: true");
            using var schema = JsonDocument.Parse(format["json_schema"]!["schema"]!.ToJsonString());
            Assert.True(StrictSchema.Problems(schema.RootElement) is [], $"{type.Name}: {string.Join(" ", StrictSchema.Problems(schema.RootElement))}");
        }

        Assert.Equal(asked.Count, fake.Requests.Count);
    }

    [Fact]
    public void A_nullable_property_is_required_and_admits_null_and_an_unsupported_keyword_moves_to_the_description()
    {
        var schema = StrictSchema.Create(typeof(Evidence), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Empty(StrictSchema.Problems(schema));
        Assert.Equal(new[] { "kind", "description", "observedAt", "source", "query" }, schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        var observedAt = schema.GetProperty("properties").GetProperty("observedAt");
        Assert.Equal("""["string","null"]""", observedAt.GetProperty("type").GetRawText());
        Assert.False(observedAt.TryGetProperty("format", out _));
        Assert.Contains("format: \"date-time\"", observedAt.GetProperty("description").GetString());
    }

    [Fact]
    public void An_open_map_cannot_be_asked_for_in_strict_mode()
    {
        var e = Assert.Throws<InvalidOperationException>(() => StrictSchema.Create(typeof(RemediationPlan), new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        Assert.Contains("In context=('properties', 'parameters'), 'additionalProperties' is required to be supplied and to be false.", e.Message);
    }

    public static TheoryData<string, string> BrokenSchemas() => new()
    {
        { """{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""", "In context=(), 'additionalProperties' is required to be supplied and to be false." },
        {
            """{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}""",
            "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'."
        },
        {
            """{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}},"required":["m"],"additionalProperties":false}""",
            "In context=('properties', 'm'), 'additionalProperties' is required to be supplied and to be false."
        },
        {
            """{"type":"object","properties":{"a":{"type":"string","minLength":3}},"required":["a"],"additionalProperties":false}""",
            "In context=('properties', 'a'), 'minLength' is not permitted."
        },
        {
            """{"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}}},"required":["a"],"additionalProperties":false}""",
            "In context=('properties', 'a', 'items'), 'additionalProperties' is required to be supplied and to be false."
        },
        { """{"type":"object","properties":{"a":{}},"required":["a"],"additionalProperties":false}""", "In context=('properties', 'a'), schema must have a 'type' key." },
        { """{"type":"object","properties":{"a":{"type":"date"}},"required":["a"],"additionalProperties":false}""", "In context=('properties', 'a'), type 'date' is not supported." },
        { """{"type":"array","items":{"type":"string"}}""", "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'." },
        {
            """{"type":"object","properties":{"a":{"type":"string","default":"x"}},"required":["a"],"additionalProperties":false}""",
            "In context=('properties', 'a'), 'default' is not permitted."
        },
        {
            """{"type":"object","properties":{"a":{"allOf":[{"type":"string"}]}},"required":["a"],"additionalProperties":false}""",
            "In context=('properties', 'a'), 'allOf' is not permitted."
        },
    };

    [Theory]
    [MemberData(nameof(BrokenSchemas))]
    public void Problems_names_each_broken_rule_with_its_path(string schema, string problem)
    {
        using var document = JsonDocument.Parse(schema);

        Assert.Contains(problem, StrictSchema.Problems(document.RootElement));
    }

    [Fact]
    public void Objects_nested_deeper_than_the_limit_are_a_problem()
    {
        var node = """{"type":"string"}""";
        for (var level = 0; level < StrictSchema.MaxDepth + 1; level++)
        {
            node = $$"""{"type":"object","properties":{"n":{{node}}},"required":["n"],"additionalProperties":false}""";
        }

        using var document = JsonDocument.Parse(node);

        Assert.Contains(StrictSchema.Problems(document.RootElement), p => p.Contains("nested 6 levels deep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_fake_refuses_a_strict_schema_that_breaks_a_rule_as_the_service_does()
    {
        await using var fake = await FakeAzureOpenAI.Start();
        fake.ThenAnswer("{}");
        using var http = new HttpClient();
        var request = new
        {
            messages = new[] { new { role = "user", content = "x" } },
            response_format = new
            {
                type = "json_schema",
                json_schema = new
                {
                    name = "RemediationPlan", strict = true,
                    schema = JsonDocument.Parse("""{"type":"object","properties":{"parameters":{"type":"object","additionalProperties":{"type":"string"}}},"required":["parameters"],"additionalProperties":false}""").RootElement,
                },
            },
        };

        var response = await http.PostAsJsonAsync(new Uri(fake.Endpoint, "openai/deployments/d/chat/completions?api-version=2024-10-21"), request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(
            "Invalid schema for response_format 'RemediationPlan': In context=('properties', 'parameters'), 'additionalProperties' is required to be supplied and to be false.",
            error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("response_format", error.GetProperty("param").GetString());
        Assert.Equal("invalid_json_schema", error.GetProperty("code").GetString());
    }
}
