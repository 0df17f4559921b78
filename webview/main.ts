/** Entry of the report page bundle (dist/webview.js + dist/webview.css). */
import './styles.css';
import './elements';
import { startApp } from './app';

const root = document.getElementById('app');
if (root) startApp(root);
