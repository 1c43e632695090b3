// Compares Cloister's native engine with llama.cpp (through node-llama-cpp, CPU build) on the same GGUF files: the
// log-probabilities after a prompt (llama.cpp's softmax of its last-position logits against ours) and the greedy
// continuation. Optionally times batch-1 decode of both with the same thread count.
//
//   cd native/reference && npm i -E node-llama-cpp@3.21.1   (node_modules is git-ignored)
//   node llama-cpp-parity.mjs --infer-run /tmp/nb/cloister-infer-run [--prompt 1,5,9] [--steps 64] [--threads 2]
//        [--fixtures DIR] [--bench STEPS] MODEL.gguf...
//
// llama.cpp runs with an F32 KV cache and flash attention off (its defaults, F16 K/V, would add their own rounding).
// --fixtures writes DIR/<model>.llama-cpp.json: the prompt, llama.cpp's greedy tokens and its top-64 log-probabilities.
// Prints one line per model: the largest |difference| of log-probabilities relative to the largest |logit|, and the
// first step where the greedy tokens differ (none: all equal).
import {execFileSync} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {basename, join} from "node:path";
import {getLlama} from "node-llama-cpp";

const args = process.argv.slice(2);
const opt = {prompt: "1,5,9,300,42,7", steps: 64, threads: 2, fixtures: null, inferRun: null, bench: 0};
const models = [];
for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--prompt") opt.prompt = args[++i];
    else if (a === "--steps") opt.steps = Number(args[++i]);
    else if (a === "--threads") opt.threads = Number(args[++i]);
    else if (a === "--fixtures") opt.fixtures = args[++i];
    else if (a === "--infer-run") opt.inferRun = args[++i];
    else if (a === "--bench") opt.bench = Number(args[++i]);
    else models.push(a);
}
if (opt.inferRun == null || models.length === 0) {
    console.error("usage: node llama-cpp-parity.mjs --infer-run PATH [--prompt IDS] [--steps N] [--threads N] [--fixtures DIR] [--bench N] MODEL...");
    process.exit(2);
}
const prompt = opt.prompt.split(",").map(Number);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});

async function llamaCpp(path) {
    const model = await llama.loadModel({modelPath: path, gpuLayers: 0, useMmap: true});
    const context = await model.createContext({
        contextSize: Math.max(256, prompt.length + opt.steps + 8), batchSize: 512, threads: opt.threads, sequences: 1,
        flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
    const sequence = context.getSequence();
    const greedy = {token: true, probabilities: false, options: {temperature: 0}};
    const input = prompt.slice(0, -1).concat([[prompt[prompt.length - 1],
        {generateNext: {token: true, probabilities: true, options: {temperature: 0}}}]]);
    const out = await sequence.controlledEvaluate(input);
    const first = out[prompt.length - 1].next;
    const tokens = [first.token];
    for (let step = 1; step < opt.steps; step++) {
        const r = await sequence.controlledEvaluate([[tokens[tokens.length - 1], {generateNext: greedy}]]);
        tokens.push(r[0].next.token);
    }
    let tokS = null;
    if (opt.bench > 0) {  // batch-1 greedy decode through evaluate(), timed from the first generated token
        await sequence.clearHistory();
        let count = 0, t0 = 0;
        for await (const token of sequence.evaluate(prompt, {temperature: 0})) {
            void token;
            if (count === 0) t0 = performance.now();
            if (++count > opt.bench) break;
        }
        tokS = opt.bench / ((performance.now() - t0) / 1000);
    }
    await context.dispose();
    await model.dispose();
    return {probabilities: first.probabilities, tokens, tokS};
}

function cloister(path) {
    const dir = mkdtempSync(join(tmpdir(), "cloister-parity-"));
    const dump = join(dir, "logits.f32");
    const line = execFileSync(opt.inferRun, [path, "--backend", "cpu", "--threads", String(opt.threads), "--prompt",
        opt.prompt, "--steps", String(opt.steps), "--tokens", "--dump-logits", dump],
        {encoding: "utf8", env: {...process.env, OMP_WAIT_POLICY: "PASSIVE"}});
    const [tokenLine] = line.trim().split("\n");
    const tokens = tokenLine.trim().split(/\s+/).map(Number);
    const bytes = readFileSync(dump);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const vocab = all.length / tokens.length;
    return {logits: all.slice(0, vocab), tokens};
}

function cloisterBench(path) {
    const line = execFileSync(opt.inferRun, [path, "--backend", "cpu", "--threads", String(opt.threads), "--prompt",
        opt.prompt, "--steps", String(opt.bench)], {encoding: "utf8", env: {...process.env, OMP_WAIT_POLICY: "PASSIVE"}});
    return Number(/decode_tok_s=([\d.]+)/.exec(line)[1]);
}

for (const path of models) {
    const ref = await llamaCpp(path);
    const ours = cloister(path);
    const logits = ours.logits;
    let max = -Infinity, maxAbs = 0;
    for (const v of logits) { max = Math.max(max, v); maxAbs = Math.max(maxAbs, Math.abs(v)); }
    let sum = 0;
    for (const v of logits) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    let worst = 0, compared = 0;
    for (const [token, p] of ref.probabilities) {
        if (!(p > 1e-30)) continue;
        worst = Math.max(worst, Math.abs(Math.log(p) - (logits[token] - lse)));
        compared++;
    }
    let firstDiff = -1;
    for (let i = 0; i < Math.min(ref.tokens.length, ours.tokens.length); i++)
        if (ref.tokens[i] !== ours.tokens[i]) { firstDiff = i; break; }
    let bench = "";
    if (opt.bench > 0) bench = ` llama_cpp_tok_s=${ref.tokS.toFixed(1)} cloister_tok_s=${cloisterBench(path).toFixed(1)}`;
    console.log(`${basename(path)}: logprob_max_abs_diff=${worst.toExponential(3)} relative_to_max_logit=` +
        `${(worst / maxAbs).toExponential(3)} (${compared} tokens) greedy_first_difference=` +
        `${firstDiff < 0 ? "none" : firstDiff} of ${opt.steps}${bench}`);
    if (opt.fixtures != null) {
        const top = [...ref.probabilities.entries()].slice(0, 64).map(([t, p]) => [t, Math.log(p)]);
        const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
        writeFileSync(join(opt.fixtures, basename(path) + ".llama-cpp.json"), JSON.stringify({
            model: basename(path), sha256, llamaCpp: "node-llama-cpp 3.21.1", prompt, greedy: ref.tokens,
            topLogprobs: top}, null, 1) + "\n");
    }
}
