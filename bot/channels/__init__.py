"""The assistant's front door: Rasa's REST and socket.io channels, checked.

Registered in credentials.yml as `bot.channels.rest.RestInput` and
`bot.channels.socketio.SocketIOInput`. Their `name()` stays `rest` and `socketio`, so
the contract's paths do not move: POST /webhooks/rest/webhook and /socket.io.
What they add is in `guard.py`: the request is checked before NLU, the message is cut
to the project's limit, every turn has a deadline, and every answer ends with the notice.
"""
