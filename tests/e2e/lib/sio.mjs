// socket.io-client for test files outside tests/e2e (the fault lab), resolved from here.
export { io } from 'socket.io-client';
