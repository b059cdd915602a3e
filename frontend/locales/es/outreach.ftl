# Lo que lleva los eventos fuera de este sitio: el folleto para imprimir, el canal Atom y el listado incrustado.

flyer-print-hint = Esta página se imprime en una hoja carta o A4, en blanco y negro. Usa la opción Imprimir de tu navegador.
flyer-cover-link = Imprimir la versión discreta (con el título discreto)
flyer-neutral-title = Encuentro comunitario
flyer-timezone = Los horarios están en { $zone }.
flyer-qr-label = Código QR de la página del evento
flyer-scan = Escanea el código, o escribe esta dirección, para saber más y confirmar tu asistencia:
editor-flyer = Folleto para imprimir
editor-flyer-cover = folleto discreto

feed-atom = Canal de noticias (Atom) de estos eventos
feed-atom-explain = Para lectores de noticias. Los eventos con nombre discreto aparecen con ese nombre.
feed-entry-cancelled = Cancelado: { $title }

embed-more = Más eventos
embed-all = Ver todos los eventos
