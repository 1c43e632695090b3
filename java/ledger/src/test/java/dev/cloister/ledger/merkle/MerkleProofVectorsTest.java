package dev.cloister.ledger.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.ProofException;
import dev.cloister.testing.Json;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every probe of transparency-dev/merkle testdata (inclusion and consistency), and the RFC 6962 reference tree. */
class MerkleProofVectorsTest {

    private static Path dir() {
        return Vectors.dir("tlog").resolve("merkle-proofs");
    }

    private static List<Path> probes(String kind) throws IOException {
        try (Stream<Path> s = Files.walk(dir().resolve("testdata").resolve(kind))) {
            List<Path> files =
                    s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(98, files.size(), "PROVENANCE.md lists 98 " + kind + " probes");
            return files;
        }
    }

    private static byte[] b64(Object o) {
        return o == null ? new byte[0] : Base64.getDecoder().decode((String) o);
    }

    @SuppressWarnings("unchecked")
    private static List<byte[]> proof(Object o) {
        List<byte[]> out = new ArrayList<>();
        if (o != null) {
            for (Object h : (List<Object>) o) {
                out.add(b64(h));
            }
        }
        return out;
    }

    private static String name(Path p) {
        return dir().resolve("testdata").relativize(p).toString();
    }

    @TestFactory
    Stream<DynamicTest> inclusionProbes() throws IOException {
        return probes("inclusion").stream()
                .map(p -> DynamicTest.dynamicTest(name(p), () -> {
                    Map<String, Object> v = Json.object(Files.readString(p));
                    long index = (Long) v.get("leafIdx");
                    long size = (Long) v.get("treeSize");
                    boolean wantErr = (Boolean) v.get("wantErr");
                    try {
                        MerkleTree.verifyInclusion(
                                index, size, b64(v.get("leafHash")), proof(v.get("proof")), b64(v.get("root")));
                        if (wantErr) {
                            fail("accepted a bad probe: " + v.get("desc"));
                        }
                    } catch (ProofException e) {
                        if (!wantErr) {
                            fail("refused a good probe: " + v.get("desc"), e);
                        }
                    }
                }));
    }

    @TestFactory
    Stream<DynamicTest> consistencyProbes() throws IOException {
        return probes("consistency").stream()
                .map(p -> DynamicTest.dynamicTest(name(p), () -> {
                    Map<String, Object> v = Json.object(Files.readString(p));
                    long size1 = (Long) v.get("size1");
                    long size2 = (Long) v.get("size2");
                    boolean wantErr = (Boolean) v.get("wantErr");
                    try {
                        MerkleTree.verifyConsistency(
                                size1, size2, proof(v.get("proof")), b64(v.get("root1")), b64(v.get("root2")));
                        if (wantErr) {
                            fail("accepted a bad probe: " + v.get("desc"));
                        }
                    } catch (ProofException e) {
                        if (!wantErr) {
                            fail("refused a good probe: " + v.get("desc"), e);
                        }
                    }
                }));
    }

    @SuppressWarnings("unchecked")
    private static InMemoryHashStore referenceTree(List<byte[]> leaves) throws IOException {
        Map<String, Object> ref = Json.object(Files.readString(dir().resolve("reference-tree.json")));
        InMemoryHashStore store = new InMemoryHashStore();
        for (Object hex : (List<Object>) ref.get("leaf_inputs_hex")) {
            byte[] leaf = HexFormat.of().parseHex((String) hex);
            leaves.add(leaf);
            store.append(TreeHash.leafHash(leaf));
        }
        return store;
    }

    @Test
    @SuppressWarnings("unchecked")
    void referenceTreeRootsForEverySize() throws Exception {
        Map<String, Object> ref = Json.object(Files.readString(dir().resolve("reference-tree.json")));
        List<Object> roots = (List<Object>) ref.get("root_hashes_by_tree_size_hex");
        InMemoryHashStore store = referenceTree(new ArrayList<>());
        assertEquals(9, roots.size());
        for (int size = 0; size <= 8; size++) {
            assertEquals(roots.get(size), HexFormat.of().formatHex(MerkleTree.rootHash(store, size)), "size " + size);
        }
        assertEquals(ref.get("empty_root"), HexFormat.of().formatHex(TreeHash.emptyRoot()));
    }

    /** The generated proofs equal the happy-path proofs of the probes, which were built on the reference tree. */
    @TestFactory
    Stream<DynamicTest> generatedProofsMatchHappyPaths() throws IOException {
        InMemoryHashStore store = referenceTree(new ArrayList<>());
        List<DynamicTest> tests = new ArrayList<>();
        for (String kind : List.of("inclusion", "consistency")) {
            for (Path p : probes(kind)) {
                if (!p.getFileName().toString().equals("happy-path.json")) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(name(p), () -> {
                    Map<String, Object> v = Json.object(Files.readString(p));
                    List<byte[]> want = proof(v.get("proof"));
                    List<Bytes> got = kind.equals("inclusion")
                            ? MerkleTree.inclusionProof(store, (Long) v.get("leafIdx"), (Long) v.get("treeSize"))
                                    .hashes()
                            : MerkleTree.consistencyProof(store, (Long) v.get("size1"), (Long) v.get("size2"))
                                    .hashes();
                    assertEquals(want.size(), got.size());
                    for (int i = 0; i < want.size(); i++) {
                        assertArrayEquals(want.get(i), got.get(i).toByteArray(), "hash " + i);
                    }
                }));
            }
        }
        assertEquals(10, tests.size());
        return tests.stream();
    }

    /** A naive RFC 9162 §2.1.1 MTH, the reference the fast code is checked against. */
    static byte[] naiveRoot(List<byte[]> leaves, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return TreeHash.emptyRoot();
        }
        if (n == 1) {
            return TreeHash.leafHash(leaves.get(from));
        }
        int k = Integer.highestOneBit(n - 1);
        return TreeHash.nodeHash(naiveRoot(leaves, from, from + k), naiveRoot(leaves, from + k, to));
    }

    @Test
    void generatedProofsVerifyForEveryIndexAndSizeUpTo70() throws Exception {
        List<byte[]> leaves = new ArrayList<>();
        InMemoryHashStore store = new InMemoryHashStore();
        for (int i = 0; i < 70; i++) {
            byte[] leaf = ("entry " + i).getBytes();
            leaves.add(leaf);
            store.append(TreeHash.leafHash(leaf));
        }
        for (int n = 1; n <= 70; n++) {
            byte[] root = naiveRoot(leaves, 0, n);
            assertArrayEquals(root, MerkleTree.rootHash(store, n), "root of size " + n);
            for (int i = 0; i < n; i++) {
                InclusionProof p = MerkleTree.inclusionProof(store, i, n);
                p.verify(TreeHash.leafHash(leaves.get(i)), root);
            }
            for (int m = 1; m <= n; m++) {
                ConsistencyProof c = MerkleTree.consistencyProof(store, m, n);
                c.verify(naiveRoot(leaves, 0, m), root);
            }
        }
    }

    @Test
    void inclusionProofForTheWrongTreeSizeIsRefused() throws Exception {
        InMemoryHashStore store = new InMemoryHashStore();
        for (int i = 0; i < 20; i++) {
            store.append(TreeHash.leafHash(new byte[] {(byte) i}));
        }
        InclusionProof p = MerkleTree.inclusionProof(store, 5, 13);
        ProofException e = assertThrows(
                ProofException.class,
                () -> MerkleTree.verifyInclusion(5, 14, store.node(0, 5), arrays(p.hashes()), store.rootHash(14)));
        assertTrue(e.getMessage().contains("tree size 14"), e.getMessage());
        // Same path length, wrong size: a root mismatch that carries both roots.
        InclusionProof q = MerkleTree.inclusionProof(store, 5, 16);
        ProofException mismatch = assertThrows(
                ProofException.class,
                () -> MerkleTree.verifyInclusion(5, 15, store.node(0, 5), arrays(q.hashes()), store.rootHash(15)));
        assertArrayEquals(store.rootHash(15), mismatch.expectedRoot().orElseThrow());
        assertArrayEquals(store.rootHash(16), mismatch.computedRoot().orElseThrow());
    }

    @Test
    void consistencyProofForTheWrongSizeIsRefused() throws Exception {
        InMemoryHashStore store = new InMemoryHashStore();
        for (int i = 0; i < 20; i++) {
            store.append(TreeHash.leafHash(new byte[] {(byte) i}));
        }
        ConsistencyProof p = MerkleTree.consistencyProof(store, 7, 19);
        assertThrows(
                ProofException.class,
                () -> MerkleTree.verifyConsistency(7, 20, arrays(p.hashes()), store.rootHash(7), store.rootHash(20)));
        assertThrows(
                ProofException.class,
                () -> MerkleTree.verifyConsistency(6, 19, arrays(p.hashes()), store.rootHash(6), store.rootHash(19)));
    }

    @Test
    void leafHashAndNodeHashFollowRfc9162() {
        // SHA-256(0x00) and SHA-256(0x01 || a || b) by hand.
        assertEquals(
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                HexFormat.of().formatHex(TreeHash.leafHash(new byte[0])));
        assertArrayEquals(
                TreeHash.sha256(new byte[] {1}, TreeHash.leafHash(new byte[0]), TreeHash.leafHash(new byte[] {0})),
                TreeHash.nodeHash(TreeHash.leafHash(new byte[0]), TreeHash.leafHash(new byte[] {0})));
    }

    private static List<byte[]> arrays(List<Bytes> hashes) {
        return hashes.stream().map(Bytes::toByteArray).toList();
    }
}
