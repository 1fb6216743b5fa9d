// `node --import test/helpers/standins/register.mjs …`: bare specifiers named in the environment
// variable CWB_STANDIN_MODULES (JSON: specifier -> file path) resolve to those files instead.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const map = JSON.parse(process.env.CWB_STANDIN_MODULES ?? '{}');
const urls = Object.fromEntries(Object.entries(map).map(([specifier, file]) => [specifier, pathToFileURL(file).href]));
register(new URL('./hooks.mjs', import.meta.url), { data: urls });
