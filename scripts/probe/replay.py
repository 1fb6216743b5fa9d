"""PyTorch probe, part 2: replay a dump of scripts/probe/dump-batches.ts (same batches, same initial
weights with 'ours', or GPT-2 init with 'gpt2') and print held-out top-1 every 250 steps.
Options: steps=N lr=X wd=X answer_only=0|1 sched=cos|const heads=H attn_only=1 (drop every MLP) wd_mlp=X (weight decay of the MLP matrices) antonym=1 (OV antonym scores at the end)
save=FILE (final weights as JSON; scripts/probe/to-model-dir.ts makes a model folder of them). Not part of install or tests."""
import json, math, sys, time, torch, torch.nn.functional as F
torch.manual_seed(0)
d = sys.argv[1]; mode = sys.argv[2] if len(sys.argv) > 2 else 'ours'
cfg_all = json.load(open(f'{d}/init.json')); cfg = cfg_all['config']; P0 = cfg_all['params']
batches = json.load(open(f'{d}/batches.json')); evals = json.load(open(f'{d}/evals.json'))
opts = dict(a.split('=') for a in sys.argv[3:])
L, H, D = cfg['nLayer'], int(opts.get('heads', cfg['nHead'])), cfg['dModel']; V = cfg['vocabSize']; dh = D // H
opts = dict(a.split('=') for a in sys.argv[3:])
lr0 = float(opts.get('lr', 3e-3)); wd = float(opts.get('wd', 0.1)); steps = int(opts.get('steps', len(batches)))
answer_only = opts.get('answer_only', '0') == '1'; sched = opts.get('sched', 'cos')
attn_only = opts.get('attn_only', '0') == '1'
P = {}
if mode == 'ours':
    for k, v in P0.items(): P[k] = torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape']).requires_grad_()
else:  # gpt2-style init
    g = torch.Generator().manual_seed(1)
    for k, v in P0.items():
        shape = v['shape']
        if k.endswith('ln_1.weight') or k.endswith('ln_2.weight') or k == 'ln_f.weight': t = torch.ones(shape)
        elif k.endswith('bias'): t = torch.zeros(shape)
        else: t = torch.randn(shape, generator=g) * 0.02
        P[k] = t.requires_grad_()
def ln(x, w, b): return F.layer_norm(x, (D,), w, b, 1e-5)
def fwd(ids):
    B, T = ids.shape
    x = P['wte.weight'][ids] + P['wpe.weight'][:T]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for l in range(L):
        p = f'h.{l}.'
        h = ln(x, P[p+'ln_1.weight'], P[p+'ln_1.bias'])
        qkv = h @ P[p+'attn.c_attn.weight'] + P[p+'attn.c_attn.bias']
        q, k, v = qkv.split(D, -1)
        q = q.view(B, T, H, dh).transpose(1, 2); k = k.view(B, T, H, dh).transpose(1, 2); v = v.view(B, T, H, dh).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        s = s.masked_fill(mask, float('-inf'))
        z = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + z @ P[p+'attn.c_proj.weight'] + P[p+'attn.c_proj.bias']
        if attn_only: continue
        h = ln(x, P[p+'ln_2.weight'], P[p+'ln_2.bias'])
        m = F.gelu(h @ P[p+'mlp.c_fc.weight'] + P[p+'mlp.c_fc.bias'], approximate='tanh')
        x = x + m @ P[p+'mlp.c_proj.weight'] + P[p+'mlp.c_proj.bias']
    x = ln(x, P['ln_f.weight'], P['ln_f.bias'])
    return x @ P['wte.weight'].T
if attn_only: P = {k: v for k, v in P.items() if not ('.mlp.' in k or '.ln_2.' in k)}
wd_mlp = float(opts.get('wd_mlp', wd))  # weight decay on the MLP matrices alone (default: wd)
decay_mlp = [v for k, v in P.items() if k.endswith('.weight') and '.mlp.' in k]
decay = [v for k, v in P.items() if k.endswith('.weight') and ('c_attn' in k or 'c_proj' in k or 'c_fc' in k) and '.mlp.' not in k]
other = [v for k, v in P.items() if not any(v is d_ for d_ in decay + decay_mlp)]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': wd}, {'params': decay_mlp, 'weight_decay': wd_mlp}, {'params': other, 'weight_decay': 0.0}], lr=lr0, betas=(0.9, 0.98), eps=1e-8)
def evaluate(items):
    with torch.no_grad():
        by = {}
        for it in items: by.setdefault(len(it['ids']), []).append(it)
        acc = 0; ld = 0
        for T, group in by.items():
            ids = torch.tensor([it['ids'] for it in group]); lg = fwd(ids)[:, -1]
            c = torch.tensor([it['c'] for it in group]); x_ = torch.tensor([it['x'] for it in group])
            top = lg.argmax(-1); acc += (top == c).sum().item(); ld += (lg.gather(1, c[:, None]) - lg.gather(1, x_[:, None])).sum().item()
        return acc / len(items), ld / len(items)
t0 = time.time()
for step in range(steps):
    b = batches[step % len(batches)]
    ids = torch.tensor(b['i']); B, T = ids.shape
    tgt = torch.tensor(b['t']); w = torch.tensor(b['w'])
    if answer_only: w = (w > 1).float()
    if sched == 'cos':
        warm = 100
        lr = lr0 * (step + 1) / warm if step < warm else lr0 * 0.1 + lr0 * 0.9 * 0.5 * (1 + math.cos(math.pi * min(1, (step - warm) / (steps - warm - 1))))
    else: lr = lr0
    for g_ in opt.param_groups: g_['lr'] = lr
    logits = fwd(ids).reshape(B * T, V)
    loss = -(F.log_softmax(logits, -1).gather(1, tgt[:, None])[:, 0] * w).sum() / w.sum()
    opt.zero_grad(); loss.backward()
    torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0); opt.step()
    if (step + 1) % 250 == 0:
        a1, l1 = evaluate(evals['optin']); a2, l2 = evaluate(evals['train'])
        extra = ' '.join(f"{k} {evaluate(evals[k])[0]:.3f}" for k in ('ioi', 'latest', 'subject') if k in evals)
        print(f'step {step+1} loss {loss.item():.4f} heldout optin top1 {a1:.3f} ld {l1:.2f} | train optin {a2:.3f} ld {l2:.2f} | {extra}  {time.time()-t0:.0f}s', flush=True)

# save=FILE: the trained weights as JSON ({name: {shape, data}}), for scripts/probe/to-model-dir.ts
if 'save' in opts:
    cfg = {**cfg, 'nHead': H, **({'attnOnly': True} if attn_only else {})}
    json.dump({'config': cfg, 'params': {k: {'shape': list(v.shape), 'data': v.detach().reshape(-1).tolist()} for k, v in P.items()}}, open(opts['save'], 'w'))

# OV antonym scores (top-5 among names + comparatives), as the workbench's copyScores with input 'embed'
if opts.get('antonym', '0') == '1':
    with torch.no_grad():
        names = sorted({x for b in batches[:300] for row in b['i'] if len(row) > 5 and row[2] == 24 and row[4] == 25 for x in (row[1], row[5])})
        comps = list(range(153, 181)); cand = sorted(set(names) | set(comps)); idx = {t: i for i, t in enumerate(cand)}
        WE = P['wte.weight']
        def ln_nobias(x, w): return (x - x.mean(-1, keepdim=True)) / (x.var(-1, unbiased=False, keepdim=True) + 1e-5).sqrt() * w
        def score(l, OV):
            x = ln_nobias(WE[comps], P[f'h.{l}.ln_1.weight']) @ OV
            y = ln_nobias(x, P['ln_f.weight']) @ WE[cand].T
            top = y.topk(5, -1).indices
            hit = 0
            for i, c in enumerate(comps):
                partner = c + 1 if (c - 153) % 2 == 0 else c - 1
                hit += int(idx[partner] in top[i].tolist())
            return hit / len(comps)
        res = []; ovs = []
        for l in range(L):
            Wv = P[f'h.{l}.attn.c_attn.weight'][:, 2 * D:]; Wo = P[f'h.{l}.attn.c_proj.weight']
            for h in range(H):
                OV = Wv[:, h * dh:(h + 1) * dh] @ Wo[h * dh:(h + 1) * dh]
                ovs.append((l, OV)); res.append((f'L{l}H{h}', score(l, OV)))
        avg = sum(score(l, OV) for l, OV in ovs) / len(ovs)
        print('antonym scores', sorted(res, key=lambda r: -r[1])[:5], 'mean over heads', round(avg, 3))
