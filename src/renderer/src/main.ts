import { mount } from 'svelte';
import './styles.css';
import { connectApi } from './api/connect';
import App from './components/App.svelte';
import Fatal from './components/Fatal.svelte';
import { Workbench } from './state/workbench.svelte';

const target = document.getElementById('app')!;
try {
  const workbench = new Workbench(connectApi());
  workbench.start();
  mount(App, { target, props: { workbench } });
} catch (error) {
  mount(Fatal, { target, props: { message: error instanceof Error ? error.message : String(error) } });
}
