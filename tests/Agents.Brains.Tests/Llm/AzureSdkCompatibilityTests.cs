using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit.Abstractions;

namespace Agents.Brains.Tests.Llm;

/// <summary>
/// Azure.AI.OpenAI reaches into OpenAI's internals (it is a friend assembly), so an OpenAI release that renames an
/// internal member breaks it at run time with a <see cref="MissingMethodException"/> on the first call that needs the
/// member (2.1.0 on OpenAI 2.14: ChatCompletionOptions.SerializedAdditionalRawData, on every call with an output budget).
/// This test reads every type and member Azure.AI.OpenAI references in OpenAI from its metadata and finds each in the
/// OpenAI assembly the services ship with, so that a package lift that breaks the pairing fails the build's tests
/// instead of a model call at 2 AM.
/// </summary>
public sealed class AzureSdkCompatibilityTests(ITestOutputHelper output)
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Every_type_and_member_the_Azure_SDK_uses_from_OpenAI_exists_in_the_OpenAI_assembly_shipped()
    {
        var azure = typeof(Azure.AI.OpenAI.AzureOpenAIClient).Assembly;
        var openai = typeof(OpenAI.OpenAIClient).Assembly;

        var (checkedCount, missing) = Check(azure, openai);

        output.WriteLine($"Azure.AI.OpenAI {azure.GetName().Version} on OpenAI {openai.GetName().Version}: {checkedCount} references, {missing.Count} missing");
        Assert.True(checkedCount > 100, $"only {checkedCount} references found: the metadata walk is broken");
        Assert.True(missing.Count == 0, "missing in OpenAI: " + string.Join("; ", missing));
    }

    /// <summary>The references <paramref name="from"/> makes into <paramref name="to"/>, and those <paramref name="to"/> lacks.</summary>
    internal static (int Checked, IReadOnlyList<string> Missing) Check(Assembly from, Assembly to)
    {
        var scope = to.GetName().Name!;
        using var pe = new PEReader(File.OpenRead(from.Location));
        var metadata = pe.GetMetadataReader();
        var names = new SignatureNames();
        var missing = new List<string>();
        var count = 0;

        foreach (var handle in metadata.TypeReferences)
        {
            if (Scope(metadata, handle) == scope)
            {
                count++;
                if (to.GetType(FullName(metadata, handle)) is null)
                {
                    missing.Add("type " + FullName(metadata, handle));
                }
            }
        }

        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (DeclaringType(metadata, member.Parent, scope) is not { } typeName || to.GetType(typeName) is not { } type)
            {
                continue; // not into OpenAI, or a missing type already reported
            }

            count++;
            var name = metadata.GetString(member.Name);
            if (member.GetKind() == MemberReferenceKind.Field)
            {
                if (Hierarchy(type).All(t => t.GetField(name, Declared) is null))
                {
                    missing.Add($"field {typeName}.{name}");
                }

                continue;
            }

            var parameters = member.DecodeMethodSignature(names, null).ParameterTypes;
            IEnumerable<MethodBase> candidates = name == ".ctor"
                ? type.GetConstructors(Declared)
                : Hierarchy(type).SelectMany(t => t.GetMethods(Declared)).Where(m => m.Name == name);
            if (!candidates.Any(m => m.GetParameters().Select(p => SignatureNames.Simple(p.ParameterType)).SequenceEqual(parameters)))
            {
                missing.Add($"{typeName}.{name}({string.Join(", ", parameters)})");
            }
        }

        return (count, missing.Distinct().ToArray());
    }

    private static string? DeclaringType(MetadataReader metadata, EntityHandle parent, string scope)
    {
        if (parent.Kind == HandleKind.TypeReference)
        {
            var reference = (TypeReferenceHandle)parent;
            return Scope(metadata, reference) == scope ? FullName(metadata, reference) : null;
        }

        if (parent.Kind != HandleKind.TypeSpecification)
        {
            return null;
        }

        // A member of a generic instantiation: its type definition is the reference after the GENERICINST marker.
        var blob = metadata.GetBlobReader(metadata.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }

        blob.ReadSignatureTypeCode();
        var definition = blob.ReadTypeHandle();
        return definition.Kind == HandleKind.TypeReference && Scope(metadata, (TypeReferenceHandle)definition) == scope
            ? FullName(metadata, (TypeReferenceHandle)definition)
            : null;
    }

    private static IEnumerable<Type> Hierarchy(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    private static string Scope(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var reference = metadata.GetTypeReference(handle);
        return reference.ResolutionScope.Kind switch
        {
            HandleKind.AssemblyReference => metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name),
            HandleKind.TypeReference => Scope(metadata, (TypeReferenceHandle)reference.ResolutionScope),
            _ => "",
        };
    }

    private static string FullName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var reference = metadata.GetTypeReference(handle);
        if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return FullName(metadata, (TypeReferenceHandle)reference.ResolutionScope) + "+" + metadata.GetString(reference.Name);
        }

        var ns = metadata.GetString(reference.Namespace);
        return (ns.Length > 0 ? ns + "." : "") + metadata.GetString(reference.Name);
    }

    /// <summary>A signature's parameter types by simple name (generic arguments dropped), as <see cref="Simple"/> names a reflected type.</summary>
    private sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        public static string Simple(Type type) => type.IsGenericParameter ? "!"
            : type.IsByRef ? Simple(type.GetElementType()!) + "&"
            : type.IsArray ? Simple(type.GetElementType()!) + "[]"
            : type.IsPointer ? Simple(type.GetElementType()!) + "*"
            : Strip(type.Name);

        private static string Strip(string name) => name.IndexOf('`', StringComparison.Ordinal) is var tick and >= 0 ? name[..tick] : name;

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;

        public string GetGenericMethodParameter(object? genericContext, int index) => "!";

        public string GetGenericTypeParameter(object? genericContext, int index) => "!";

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetPinnedType(string elementType) => elementType;

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.Boolean => nameof(Boolean),
            PrimitiveTypeCode.Byte => nameof(Byte),
            PrimitiveTypeCode.SByte => nameof(SByte),
            PrimitiveTypeCode.Char => nameof(Char),
            PrimitiveTypeCode.Int16 => nameof(Int16),
            PrimitiveTypeCode.UInt16 => nameof(UInt16),
            PrimitiveTypeCode.Int32 => nameof(Int32),
            PrimitiveTypeCode.UInt32 => nameof(UInt32),
            PrimitiveTypeCode.Int64 => nameof(Int64),
            PrimitiveTypeCode.UInt64 => nameof(UInt64),
            PrimitiveTypeCode.Single => nameof(Single),
            PrimitiveTypeCode.Double => nameof(Double),
            PrimitiveTypeCode.IntPtr => nameof(IntPtr),
            PrimitiveTypeCode.UIntPtr => nameof(UIntPtr),
            PrimitiveTypeCode.Object => nameof(Object),
            PrimitiveTypeCode.String => nameof(String),
            PrimitiveTypeCode.Void => "Void",
            PrimitiveTypeCode.TypedReference => nameof(TypedReference),
            _ => typeCode.ToString(),
        };

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
            Strip(reader.GetString(reader.GetTypeDefinition(handle).Name));

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
            Strip(reader.GetString(reader.GetTypeReference(handle).Name));

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
