using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class Uuid5Tests
{
    private static readonly Guid NamespaceDns = new("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    private static readonly Guid NamespaceUrl = new("6ba7b811-9dad-11d1-80b4-00c04fd430c8");

    [Fact]
    public void Create_PythonDocumentationExample_MatchesUuid5() =>
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        Assert.Equal(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"), Uuid5.Create(NamespaceDns, "python.org"));

    [Theory]
    // Expected values from Python's uuid.uuid5(uuid.UUID("c2670e8a-0cb1-4aa2-9c57-41f6637d0aad"), name).
    [InlineData("tiktok-0001", "c712c549-9f2b-52a0-84bb-42c604c1024a")]
    [InlineData("ফেসবুক-42", "adc8adae-b44e-5803-bd99-1207a1e721bf")]
    [InlineData("", "a27a0a03-4b7f-5839-b843-274403dc2033")]
    public void Create_ProjectNamespace_MatchesPythonUuid5(string name, string expected) =>
        Assert.Equal(new Guid(expected), Uuid5.Create(WeaviateVectorStore.IdNamespace, name));

    [Theory]
    // Python: uuid.uuid5(uuid.UUID("c2670e8a-0cb1-4aa2-9c57-41f6637d0aad"), f"{platform}:{post_id}").
    [InlineData("tiktok", "tiktok-0001", "3ab13626-eb65-55dd-ba11-edc386f1d0b9")]
    [InlineData("facebook", "ফেসবুক-42", "34d3331a-4713-5195-af46-d284bf9aee8f")]
    [InlineData("tiktok", "7300", "04111c55-9699-5496-bf85-04d5910b0f5d")]
    [InlineData("facebook", "7300", "5ca39a40-c272-5938-95e3-64eb2c5bb8f1")]
    public void ObjectId_PlatformAndPostId_Uuid5OfPlatformColonPostId(string platform, string postId, string expected) =>
        Assert.Equal(new Guid(expected), WeaviateVectorStore.ObjectId(platform, postId));

    [Fact]
    public void Create_UrlNamespace_MatchesPythonUuid5() =>
        Assert.Equal(new Guid("aa8501af-ddde-56e8-b39d-99c9b2c103c7"), Uuid5.Create(NamespaceUrl, "https://weaviate.io/"));

    [Fact]
    public void Create_AnyName_SetsVersion5AndRfc4122Variant()
    {
        for (var i = 0; i < 200; i++)
        {
            var text = Uuid5.Create(WeaviateVectorStore.IdNamespace, $"post-{i}").ToString();
            Assert.Equal('5', text[14]);
            Assert.Contains(text[19], "89ab");
        }
    }

    [Fact]
    public void Create_SameName_IsStableAndDifferentNamesDiffer()
    {
        Assert.Equal(WeaviateVectorStore.ObjectId("facebook", "fb-7"), WeaviateVectorStore.ObjectId("facebook", "fb-7"));
        Assert.NotEqual(WeaviateVectorStore.ObjectId("facebook", "fb-7"), WeaviateVectorStore.ObjectId("facebook", "fb-8"));
        Assert.NotEqual(WeaviateVectorStore.ObjectId("facebook", "7"), WeaviateVectorStore.ObjectId("tiktok", "7"));
        Assert.NotEqual(Uuid5.Create(NamespaceDns, "facebook:fb-7"), WeaviateVectorStore.ObjectId("facebook", "fb-7"));
    }
}
