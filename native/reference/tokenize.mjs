// Tokenizes corpus.json with llama.cpp (node-llama-cpp, vocabulary only) and prints the fixture JSON:
// for each text, its ids with special-token texts as plain text and with them parsed (llama_tokenize's parse_special),
// never with BOS/EOS added (add_special = false).
// Usage: node tokenize.mjs VOCAB.gguf > fixture.json
import {getLlama} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const [modelPath] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(new URL("./corpus.json", import.meta.url), "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, vocabOnly: true});
const info = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/llama/llama.cpp.info.json", import.meta.url), "utf8"));
const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url), "utf8")).version;
const cases = corpus.map(text => ({
    text,
    plain: Array.from(model.tokenize(text, false)),
    special: Array.from(model.tokenize(text, true)),
}));
// one case a line, so that a changed fixture reads well in a diff
const reference = `llama.cpp ${info.tag} (node-llama-cpp ${version}), llama_tokenize with add_special = false`;
process.stdout.write(`{"reference": ${JSON.stringify(reference)},\n "cases": [\n`
    + cases.map(c => "  " + JSON.stringify(c)).join(",\n") + "\n]}\n");
await model.dispose();
await llama.dispose();
