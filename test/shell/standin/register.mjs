// `node --import ./register.mjs out/main/index.js`: the bare specifier `electron` resolves to the stand-in.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
