# Recordatorios y avisos. Los asuntos nunca llevan el título real: { $name } es el título
# discreto o "tu evento".

email-your-event = tu evento
email-today = hoy a las { $time }
email-tomorrow = mañana a las { $time }
email-on-day = el { $day } a las { $time }

email-subject-reminder = Recordatorio: { $name } { $when }
email-subject-changed = Cambio de hora o de lugar: { $name }
email-subject-cancelled = Cancelado: { $name } { $when }
email-subject-promoted = Tienes plaza: { $name } { $when }
email-subject-approved = Tu asistencia está confirmada: { $name } { $when }
email-subject-declined = Sobre tu asistencia: { $name }
email-subject-revealed = Adónde ir: { $name } { $when }
email-subject-announcement = Un mensaje sobre { $name }
email-subject-nudge = ¿Todo bien?: { $name }

email-lead-reminder = Un recordatorio: { $name } es { $when }.
email-lead-changed = La hora o el lugar de { $name } cambió. Esto es lo que vale ahora.
email-lead-cancelled = { $name } { $when } está cancelado. No tienes que hacer nada.
email-lead-promoted = Se liberó una plaza: ahora vas a { $name } { $when }.
email-lead-approved = La organización confirmó tu asistencia a { $name }.
email-lead-declined = La organización no pudo confirmar tu plaza en { $name } esta vez.
email-lead-revealed = El lugar de { $name } ya está en tu página.
email-lead-announcement = La organización de { $name } envió un mensaje.
email-lead-nudge = Después de { $name }: ¿llegaste bien a casa? Dilo con un toque en tu página (el enlace de abajo), para que la organización lo sepa. Si necesitas ayuda, también puedes pedirla ahí.
email-message-on-page = El mensaje está en tu página (el enlace de abajo), no en los correos.

email-place-not-set = El lugar todavía no está fijado.
email-place-on-page = El lugar está en tu página (el enlace de abajo), no en los correos.
email-when = Cuándo
email-where = Dónde
email-your-rsvp = Tu asistencia
email-your-rsvp-explain = Ahí puedes cambiarla o cancelarla, ver adónde ir o borrarla al momento.
email-your-rsvp-explain-short = cámbiala o cancélala, mira adónde ir o bórrala al momento.
email-stop = Dejar de recibir estos correos
email-address-kept = Tu dirección se guarda solo para enviar estos mensajes y se borra después del último recordatorio.
email-still-coming = ¿Sigues pensando venir?
email-still-coming-explain = Dínoslo con un toque en esta página. Si no puedes venir, tu plaza pasa a alguien de la lista de espera.
email-still-coming-link = Dínoslo aquí
